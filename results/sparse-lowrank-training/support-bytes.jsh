// The sparse supports SLTrain and LOST hold beside their parameters (int32 flat indices, derived from the seed, not saved):
// installs each method at rank 80, density 0.03 on the SOTU decoder's configuration (seed 1) and counts them.
// Run: jshell -R-Dlowrank.threads=1 -R-Xmx2g --class-path lowrank-cli/target/lowrank.jar results/sparse-lowrank-training/support-bytes.jsh
import java.util.*;
import org.lowrank4j.formats.hf.*;
import org.lowrank4j.nn.arch.llama.*;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.train.Parameterization;
import org.lowrank4j.nn.train.sltrain.SlTrain;
import org.lowrank4j.nn.train.lost.Lost;
import org.lowrank4j.nn.weight.SparsePlusLowRankWeight;
for (Parameterization method : List.of(new SlTrain(80, 0.03, 32), new Lost(80, 0.03, false))) {
    HfConfig config = HfConfig.builder(HfArchitecture.LLAMA).hiddenSize(320).intermediateSize(864).numHiddenLayers(6).numAttentionHeads(8)
            .numKeyValueHeads(4).vocabSize(256).maxPositionEmbeddings(256).tieWordEmbeddings(true).build();
    LlamaModel model = LlamaModel.create(config, Precision.FLOAT32);
    model.initialize(new Random(1));
    long dense = model.parameterCount();
    method.install(model, 1);
    long indices = 0, values = 0, factors = 0;
    for (Linear l : model.linearSites().values()) {
        SparsePlusLowRankWeight w = (SparsePlusLowRankWeight) l.weight();
        indices += w.support().length;
        values += w.values().size();
        factors += w.left().size() + w.right().size();
    }
    System.out.printf(Locale.ROOT, "%s: parameters %,d (dense model %,d); block factors %,d, sparse values %,d; support indices %,d = %,d bytes as int32%n",
            method, model.parameterCount(), dense, factors, values, indices, 4 * indices);
}
/exit
