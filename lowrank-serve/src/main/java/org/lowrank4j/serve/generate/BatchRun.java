package org.lowrank4j.serve.generate;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.lowrank4j.nn.generate.BatchGenerator;
import org.lowrank4j.nn.generate.CausalLanguageModel;
import org.lowrank4j.nn.generate.GenerationOptions;
import org.lowrank4j.nn.generate.GenerationResult;
import org.lowrank4j.nn.generate.Tokenizer;
import org.lowrank4j.serve.ApiError;

/**
 * One batch of requests decoded together on the decoding thread ({@link BatchGenerator}): each token becomes text
 * through the request's own {@link TextStream}, which also finds its stop strings; a request ends at its stop, its
 * length, its deadline (504) or when its client is gone, and the others go on.
 */
final class BatchRun {
    private BatchRun() {
    }

    /** One request's state during the run. */
    private static final class Member {
        final Waiting waiting;
        final TextStream stream;
        final StringBuilder text = new StringBuilder();
        boolean stopString;
        ApiError error;

        Member(Waiting waiting, Tokenizer tokenizer) {
            this.waiting = waiting;
            this.stream = new TextStream(tokenizer, waiting.request.stops());
        }

        void emit(String delta) {
            text.append(delta);
            waiting.delta(delta);
        }
    }

    /** Decodes {@code batch} (the model already routed to their adapters) and posts every event to its requests. */
    static void run(CausalLanguageModel model, Tokenizer tokenizer, List<Waiting> batch, long timeoutSeconds) {
        List<Member> members = new ArrayList<>();
        List<int[]> prompts = new ArrayList<>();
        List<GenerationOptions> options = new ArrayList<>();
        List<Random> randoms = new ArrayList<>();
        for (Waiting w : batch) {
            DecoderModel.Request r = w.request;
            members.add(new Member(w, tokenizer));
            prompts.add(w.prompt);
            options.add(r.temperature() == 0 ? GenerationOptions.greedy(r.maxTokens()) : GenerationOptions.sampling(r.maxTokens(), r.temperature(), r.topP()));
            randoms.add(new Random(r.seed()));
        }
        List<GenerationResult> results;
        try {
            results = BatchGenerator.generate(model, prompts, options, randoms, (index, token) -> {
                Member m = members.get(index);
                if (m.waiting.abandoned()) {
                    return false;
                }
                m.emit(m.stream.accept(token));
                if (m.stream.stopped()) {
                    m.stopString = true;
                    return false;
                }
                if (System.nanoTime() > m.waiting.deadline) {
                    m.error = new ApiError(504, "timeout", "the completion ran past " + timeoutSeconds + " s (--timeout); ask for fewer max_tokens");
                    return false;
                }
                return true;
            });
        } catch (RuntimeException | Error e) {
            for (Member m : members) {
                m.waiting.failed(e);
            }
            return;
        }
        for (int i = 0; i < members.size(); i++) {
            Member m = members.get(i);
            if (m.error != null) {
                m.waiting.failed(m.error);
                continue;
            }
            m.emit(m.stream.finish());
            boolean stopped = m.stopString || results.get(i).reason() == GenerationResult.StopReason.STOP_TOKEN;
            m.waiting.done(new DecoderModel.Completion(m.text.toString(), stopped ? "stop" : "length", m.waiting.prompt.length,
                    m.stream.tokenCount()));
        }
    }
}
