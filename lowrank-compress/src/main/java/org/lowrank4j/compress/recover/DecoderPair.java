package org.lowrank4j.compress.recover;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Tensor;

/** LLaMA-family decoders: block outputs matched layer by layer, next-token distributions by KL(teacher ‖ student). */
final class DecoderPair implements DistillationPair {
    private final LlamaModel teacher;
    private final LlamaModel student;

    DecoderPair(LlamaModel teacher, LlamaModel student) {
        if (!teacher.config().raw().equals(student.config().raw()) || teacher.precision() != student.precision()) {
            throw new IllegalArgumentException("the compressed decoder is not the original's shape: its config or precision ("
                    + student.precision() + " against " + teacher.precision() + ") differs");
        }
        this.teacher = teacher;
        this.student = student;
    }

    @Override
    public List<Site> sites() {
        List<Site> out = new ArrayList<>();
        Map<String, Linear> theirs = teacher.linearSites();
        student.linearSites().forEach((name, linear) -> out.add(new Site(linear, theirs.get(name))));
        return out;
    }

    /** RMSNorm weights: every block's two and the final one. */
    @Override
    public List<Parameter> normParameters() {
        return student.parameters().stream().filter(p -> p.name().contains("norm")).toList();
    }

    @Override
    public DistillationLoss.Value forwardBackward(TokenBatch batch, boolean withGradient, TeacherCache cache, DistillOptions options) {
        if (batch.maxId() >= teacher.vocabSize()) {
            throw new IllegalArgumentException("token id " + batch.maxId() + " is beyond the decoder's vocabulary of " + teacher.vocabSize());
        }
        List<Tensor> target = cache.lookup(batch, teacher.precision());
        if (target == null) {
            target = teacher.forwardHiddenStates(batch.ids(), batch.batch(), batch.time());
            cache.store(batch, target);
        }
        List<Tensor> states = student.forwardHiddenStates(batch.ids(), batch.batch(), batch.time());
        DistillationLoss.Value v = DistillationLoss.evaluateDecoder(states, target, batch.mask(), batch.batch(), batch.time(),
                options.featureWeight(), options.outputWeight());
        if (withGradient) {
            int layers = states.size() - 1;
            student.backward(v.gradients().subList(0, layers), v.gradients().get(layers));
        }
        return v;
    }
}
