// Projection cost on the SOTU decoder's 42 block matrices (6 layers × q, k, v, o, gate, up, down), random Gaussian
// gradients, rank 80, a basis chosen every step (gap 1): seconds choosing (SVD vs DCT selection) and applying, per step.
// Run: jshell -R-Dlowrank.threads=1 --class-path lowrank-cli/target/lowrank.jar results/lowrank-training/projection-cost.jsh
import java.util.*;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.*;
import org.lowrank4j.nn.train.*;
import org.lowrank4j.nn.train.lowrank.*;
List<Parameter> params = new ArrayList<>();
Random random = new Random(1);
int[][] shapes = {{320, 320}, {160, 320}, {160, 320}, {320, 320}, {864, 320}, {864, 320}, {320, 864}};
String[] names = {"q", "k", "v", "o", "gate", "up", "down"};
for (int l = 0; l < 6; l++) for (int i = 0; i < 7; i++) {
    Parameter p = new Parameter("model.layers." + l + "." + names[i] + ".weight", Tensor.zeros(Precision.FLOAT32, shapes[i]));
    p.gradient().copyFrom(Tensor.gaussian(Precision.FLOAT32, random, 1e-3, shapes[i]));
    params.add(p);
}
AdamW.Settings s = new AdamW.Settings(0.9, 0.95, 1e-8, 0.1);
for (String m : List.of("galore", "galore-dct", "galore", "galore-dct")) {
    ProjectedAdam opt = m.equals("galore") ? new GaLore(params, s, new ProjectionSettings(80, 1, 1), ProjectedAdam.BLOCK_MATRICES)
            : new DctGaLore(params, s, new ProjectionSettings(80, 1, 1), ProjectedAdam.BLOCK_MATRICES);
    int steps = 5;
    for (int t = 0; t < steps; t++) opt.step(1e-3);
    Map<String, Double> sec = opt.secondsSpent();
    System.out.printf(Locale.ROOT, "%s: choosing %.3f s per step, applying %.3f s per step (42 matrices, rank 80, %d steps)%n", m,
            sec.get("projection_choice") / steps, sec.get("projection_apply") / steps, steps);
}
/exit
