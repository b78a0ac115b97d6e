package org.lowrank4j.compress.recover;

import java.util.ArrayList;
import java.util.List;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.arch.bert.BertModel;
import org.lowrank4j.nn.block.PostNormBlock;
import org.lowrank4j.nn.layers.LayerNorm;
import org.lowrank4j.nn.tensor.Tensor;

/** BERT-family encoders: block outputs matched layer by layer, the pooled last_hidden_state by cosine. */
final class EncoderPair implements DistillationPair {
    private final BertModel teacher;
    private final BertModel student;
    private final BlockMap blocks;

    EncoderPair(BertModel teacher, BertModel student) {
        this(teacher, student, BlockMap.identity(student.blocks().size()));
    }

    /** A student whose block i is distilled against teacher block {@code blocks.teacher()[i]} (a block-pruned student). */
    EncoderPair(BertModel teacher, BertModel student, BlockMap blocks) {
        org.lowrank4j.nn.arch.bert.BertConfig t = teacher.config(), s = student.config();
        boolean sameShape = new org.lowrank4j.nn.arch.bert.BertConfig(s.vocabSize(), s.hiddenSize(), t.layers(), s.heads(), s.intermediateSize(),
                s.maxPositions(), s.typeVocabSize(), s.layerNormEps(), s.gelu()).equals(t);
        if (blocks.teacher().length != s.layers() || blocks.teacher()[s.layers() - 1] >= t.layers()) {
            throw new IllegalArgumentException("the block map " + blocks + " does not fit a student of " + s.layers() + " blocks and a teacher of "
                    + t.layers());
        }
        this.blocks = blocks;
        if (!sameShape || teacher.precision() != student.precision()) {
            throw new IllegalArgumentException("the compressed model is not the original's shape: " + student.config() + " "
                    + student.precision() + " against " + teacher.config() + " " + teacher.precision());
        }
        this.teacher = teacher;
        this.student = student;
    }

    @Override
    public List<Site> sites() {
        List<Site> out = new ArrayList<>();
        for (int l = 0; l < student.blocks().size(); l++) {
            for (int i = 0; i < student.linears(l).size(); i++) {
                out.add(new Site(student.linears(l).get(i), teacher.linears(blocks.teacher()[l]).get(i)));
            }
        }
        return out;
    }

    @Override
    public List<Parameter> normParameters() {
        List<Parameter> out = new ArrayList<>(student.embeddingNorm().parameters());
        for (PostNormBlock b : student.blocks()) {
            out.addAll(((LayerNorm) b.attentionNorm()).parameters());
            out.addAll(((LayerNorm) b.mlpNorm()).parameters());
        }
        return out;
    }

    @Override
    public DistillationLoss.Value forwardBackward(TokenBatch batch, boolean withGradient, TeacherCache cache, DistillOptions options) {
        if (batch.maxId() >= teacher.config().vocabSize()) {
            throw new IllegalArgumentException("token id " + batch.maxId() + " is beyond the model's vocabulary of "
                    + teacher.config().vocabSize() + "; is the tokenizer the model's own?");
        }
        List<Tensor> target = cache.lookup(batch, teacher.precision());
        if (target == null) {
            target = teacher.forwardHiddenStates(batch.ids(), batch.types(), batch.mask(), batch.batch(), batch.time());
            cache.store(batch, target);
        }
        List<Tensor> matched = new ArrayList<>();
        for (int t : blocks.teacher()) {
            matched.add(target.get(t));
        }
        List<Tensor> states = student.forwardHiddenStates(batch.ids(), batch.types(), batch.mask(), batch.batch(), batch.time());
        DistillationLoss.Value v = DistillationLoss.evaluate(states, matched, batch.mask(), batch.batch(), batch.time(), options.pooling(),
                options.featureWeight(), options.outputWeight(), blocks.weight());
        if (withGradient) {
            student.backward(v.gradients());
        }
        return v;
    }
}
