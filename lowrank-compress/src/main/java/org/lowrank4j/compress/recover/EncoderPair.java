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

    EncoderPair(BertModel teacher, BertModel student) {
        if (!teacher.config().equals(student.config()) || teacher.precision() != student.precision()) {
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
                out.add(new Site(student.linears(l).get(i), teacher.linears(l).get(i)));
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
        List<Tensor> states = student.forwardHiddenStates(batch.ids(), batch.types(), batch.mask(), batch.batch(), batch.time());
        DistillationLoss.Value v = DistillationLoss.evaluate(states, target, batch.mask(), batch.batch(), batch.time(), options.pooling(),
                options.featureWeight(), options.outputWeight());
        if (withGradient) {
            student.backward(v.gradients());
        }
        return v;
    }
}
