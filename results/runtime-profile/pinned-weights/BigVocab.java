import java.nio.file.Path;
import java.util.Random;
import org.lowrank4j.formats.hf.HfArchitecture;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * Writes a LLaMA-style decoder folder with random weights and a 32,000-token vocabulary (width 512, 4 layers, 8 heads
 * over 4 KV heads, SwiGLU 1,376, 256 positions, tied embeddings): a model whose output projection is its largest weight,
 * as in real LLaMA checkpoints. usage: java -cp lowrank-bench.jar:. BigVocab FOLDER
 */
public class BigVocab {
    public static void main(String[] args) throws Exception {
        HfConfig config = HfConfig.builder(HfArchitecture.LLAMA).hiddenSize(512).intermediateSize(1376).numHiddenLayers(4)
                .numAttentionHeads(8).numKeyValueHeads(4).vocabSize(32000).maxPositionEmbeddings(256).tieWordEmbeddings(true).build();
        LlamaModel model = LlamaModel.create(config, Precision.FLOAT32);
        Random random = new Random(1);
        for (Parameter p : model.parameters()) {
            Tensor v = p.value();
            boolean norm = v.rank() == 1; // RMSNorm weights stay 1
            for (int i = 0; i < v.size(); i++) {
                v.set(i, norm ? 1 : random.nextGaussian() * 0.02);
            }
        }
        model.save(Path.of(args[0]));
        System.out.println("wrote " + args[0] + ": " + model.parameterCount() + " parameters");
    }
}
