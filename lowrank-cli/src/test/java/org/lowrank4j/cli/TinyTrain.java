package org.lowrank4j.cli;

/** The tiny decoder-training setup the train command tests share: a few sentences of text and one small block. */
final class TinyTrain {
    static final String TEXT = """
            Fellow-Citizens of the Senate and of the House of Representatives: I embrace with great satisfaction the
            opportunity which now presents itself of congratulating you on the present favorable prospects of our public
            affairs. The recent accession of the important State of North Carolina to the Constitution of the United
            States gives me great pleasure. The Congress met in the capital and the treaty was signed in the spring.
            """.repeat(3);

    /** Hidden 16, 2 heads over 1 key/value head: q/o 16×16, k/v 8×16, MLP 32×16 and 16×32; the smallest dimension is 8. */
    static final String[] TINY = {"train", "--hidden", "16", "--layers", "1", "--heads", "2", "--kv-heads", "1", "--mlp", "32",
            "--context", "32", "--batch", "2", "--lr", "3e-3", "--warmup", "2", "--validation-fraction", "0.2"};

    static String[] train(String... args) {
        String[] out = new String[TINY.length + args.length];
        System.arraycopy(TINY, 0, out, 0, TINY.length);
        System.arraycopy(args, 0, out, TINY.length, args.length);
        return out;
    }

    private TinyTrain() {
    }
}
