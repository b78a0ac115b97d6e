package org.lowrank4j.serve.generate;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.IntConsumer;
import org.lowrank4j.adapt.serving.AdapterSwitch;
import org.lowrank4j.nn.generate.CausalLanguageModel;
import org.lowrank4j.nn.generate.DecodingBatch;
import org.lowrank4j.nn.generate.GenerationOptions;
import org.lowrank4j.nn.generate.GenerationResult;
import org.lowrank4j.nn.generate.Tokenizer;
import org.lowrank4j.serve.ApiError;

/**
 * One batch of requests decoding together on the decoding thread ({@link DecodingBatch}), which later requests may join
 * while it runs. Before each forward of the model every row is routed to its request's adapter. Each token becomes text
 * through the request's own {@link TextStream}, which also finds its stop strings; a request ends at its stop, its
 * length, its deadline (504) or when its client is gone, and the others go on.
 */
final class BatchRun implements DecodingBatch.Listener {
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

    private final Tokenizer tokenizer;
    private final AdapterSwitch adapters;
    private final long timeoutSeconds;
    private final IntConsumer onEnd;                        // told how many requests the batch served, before its last answer
    private final Map<Integer, Member> members = new HashMap<>();
    private DecodingBatch batch;                            // null once it has failed
    private int served;
    private int peak;
    private List<String> routed; // the adapters the rows ran at the latest forward: routing again only when they change

    private BatchRun(Tokenizer tokenizer, AdapterSwitch adapters, long timeoutSeconds, IntConsumer onEnd) {
        this.tokenizer = tokenizer;
        this.adapters = adapters;
        this.timeoutSeconds = timeoutSeconds;
        this.onEnd = onEnd;
    }

    /** Prefills {@code requests} together and draws their first tokens. */
    static BatchRun start(CausalLanguageModel model, Tokenizer tokenizer, AdapterSwitch adapters, List<Waiting> requests, long timeoutSeconds,
            IntConsumer onEnd) {
        BatchRun run = new BatchRun(tokenizer, adapters, timeoutSeconds, onEnd);
        List<DecodingBatch.Entry> entries = new ArrayList<>();
        for (Waiting w : requests) {
            entries.add(run.admit(w));
        }
        run.peak = requests.size();
        try {
            run.batch = DecodingBatch.start(model, entries, run);
        } catch (RuntimeException | Error e) {
            run.failAll(e);
        }
        return run;
    }

    private DecodingBatch.Entry admit(Waiting w) {
        int id = served++;
        members.put(id, new Member(w, tokenizer));
        DecoderModel.Request r = w.request;
        return new DecodingBatch.Entry(id, w.prompt, GenerationOptions.sampling(r.maxTokens(), r.temperature(), r.topP()), new Random(r.seed()));
    }

    /** True while some request of the batch is still decoding. */
    boolean running() {
        return batch != null && batch.running();
    }

    /** Requests decoding now. */
    int live() {
        return members.size();
    }

    /** The most requests that decoded at once in this batch. */
    int peak() {
        return peak;
    }

    boolean canJoin(Waiting w) {
        return running() && batch.canJoin(w.prompt.length, w.request.maxTokens());
    }

    /** Prefills {@code joiners} together at the batch's position and adds them; each must {@link #canJoin}. */
    void join(List<Waiting> joiners) {
        List<DecodingBatch.Entry> entries = new ArrayList<>();
        for (Waiting w : joiners) {
            entries.add(admit(w));
        }
        peak = Math.max(peak, members.size());
        try {
            batch.join(entries);
        } catch (RuntimeException | Error e) {
            failAll(e);
        }
    }

    /** One token of every request. */
    void step() {
        try {
            batch.step();
        } catch (RuntimeException | Error e) {
            failAll(e);
        }
    }

    @Override
    public void rows(int[] ids) {
        List<String> routes = new ArrayList<>(ids.length);
        for (int id : ids) {
            routes.add(id < 0 ? null : members.get(id).waiting.request.adapter());
        }
        if (!routes.equals(routed)) {
            adapters.useEach(routes);
            routed = routes;
        }
    }

    @Override
    public boolean token(int id, int token) {
        Member m = members.get(id);
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
    }

    @Override
    public void ended(int id, GenerationResult result) {
        Member m = members.remove(id);
        if (members.isEmpty()) {
            onEnd.accept(served); // before the last answer goes out: whoever reads the answer sees the batch counted
        }
        if (m.error != null) {
            m.waiting.failed(m.error);
            return;
        }
        m.emit(m.stream.finish());
        boolean stopped = m.stopString || result.reason() == GenerationResult.StopReason.STOP_TOKEN;
        m.waiting.done(new DecoderModel.Completion(m.text.toString(), stopped ? "stop" : "length", m.waiting.prompt.length,
                m.stream.tokenCount()));
    }

    /** The model failed: every request still in the batch gets the error, and the batch stops. */
    private void failAll(Throwable e) {
        batch = null;
        if (!members.isEmpty()) {
            onEnd.accept(served);
        }
        for (Member m : members.values()) {
            m.waiting.failed(e);
        }
        members.clear();
    }
}
