package org.lowrank4j.adapt.classify;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.arch.bert.BertConfig;
import org.lowrank4j.nn.arch.bert.BertModel;
import org.lowrank4j.nn.tensor.MlpActivation;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.train.LabelledTexts;

/** A tiny random BERT, a character tokenizer for it and two-class texts; nothing read from disk. */
final class TinyEncoders {
    /** 50 ids, 16 wide, 2 blocks, 2 heads, MLP 24, 32 positions. */
    static final BertConfig CONFIG = new BertConfig(50, 16, 2, 2, 24, 32, 2, 1e-12, MlpActivation.GELU_ERF);

    private TinyEncoders() {
    }

    /** Matrices ~ N(0, 0.3²), tables N(0, 0.5²), biases N(0, 0.05²), norm weights 1 + N(0, 0.05²). */
    static BertModel random(Precision precision, long seed) {
        BertModel model = BertModel.zeros(CONFIG, precision);
        Random random = new Random(seed);
        for (Parameter p : model.parameters()) {
            Tensor v = p.value();
            boolean table = p.name().startsWith("embeddings") && v.rank() == 2;
            boolean normWeight = p.name().contains("norm") && p.name().endsWith(".weight");
            for (int i = 0; i < v.size(); i++) {
                double g = random.nextGaussian();
                v.set(i, table ? 0.5 * g : v.rank() == 2 ? 0.3 * g : normWeight ? 1 + 0.05 * g : 0.05 * g);
            }
        }
        return model;
    }

    /** [CLS]=1, one id per character (5 + code mod 40), [SEP]=2. */
    static int[] ids(String text) {
        int[] out = new int[text.length() + 2];
        out[0] = 1;
        for (int i = 0; i < text.length(); i++) {
            out[i + 1] = 5 + text.charAt(i) % 40;
        }
        out[out.length - 1] = 2;
        return out;
    }

    /**
     * Two classes of short strings that share letters: class "even" has an even count of 'a', "odd" an odd one (a
     * pattern a mean of token states does not show directly).
     */
    static LabelledTexts parity(int perClass, long seed) {
        Random random = new Random(seed);
        List<String> texts = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        int[] counts = new int[2];
        while (counts[0] < perClass || counts[1] < perClass) {
            StringBuilder s = new StringBuilder();
            int length = 3 + random.nextInt(8);
            int as = 0;
            for (int i = 0; i < length; i++) {
                char c = "abcd".charAt(random.nextInt(4));
                as += c == 'a' ? 1 : 0;
                s.append(c);
            }
            int label = as % 2;
            if (counts[label] < perClass) {
                counts[label]++;
                texts.add(s.toString());
                labels.add(label);
            }
        }
        return new LabelledTexts(texts, labels.stream().mapToInt(Integer::intValue).toArray(), List.of("even", "odd"), "parity test set");
    }

    /** Two classes told apart by their letters: "ab…" against "cd…". */
    static LabelledTexts letters(int perClass, long seed) {
        Random random = new Random(seed);
        List<String> texts = new ArrayList<>();
        int[] labels = new int[2 * perClass];
        for (int i = 0; i < 2 * perClass; i++) {
            labels[i] = i % 2;
            String alphabet = labels[i] == 0 ? "aabbe" : "ccdde";
            StringBuilder s = new StringBuilder();
            int length = 3 + random.nextInt(8);
            for (int j = 0; j < length; j++) {
                s.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            texts.add(s.toString());
        }
        return new LabelledTexts(texts, labels, List.of("ab", "cd"), "letters test set");
    }
}
