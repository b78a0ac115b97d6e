package org.lowrank4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.lowrank4j.compress.model.DecoderFolder;
import org.lowrank4j.nn.generate.ByteTokenizer;
import org.lowrank4j.nn.generate.Tokenizer;

/**
 * A decoder folder's tokenizer for the commands that read text for it (finetune, adapter perplexity, squeeze, distil):
 * its tokenizer.json ({@link DecoderFolder#loadTokenizer}), or bytes when it has none, as those commands always read text
 * before they read tokenizers. Close it: a Hugging Face tokenizer holds native memory.
 */
record FolderTokenizer(Tokenizer tokenizer) implements AutoCloseable {

    /** The tokenizer of the folder whose model has {@code vocabulary} ids. */
    static FolderTokenizer of(Path folder, int vocabulary) throws IOException {
        return new FolderTokenizer(Files.isRegularFile(folder.resolve(DecoderFolder.TOKENIZER))
                ? DecoderFolder.loadTokenizer(folder, vocabulary) : new ByteTokenizer());
    }

    /** The tokenizer of a LLaMA-family folder, its vocabulary read from config.json. */
    static FolderTokenizer of(Path folder) throws IOException {
        return of(folder, org.lowrank4j.formats.hf.HfConfig.read(folder).vocabSize());
    }

    /** True when the tokens are the text's bytes (scores per token are then per byte). */
    boolean bytes() {
        return tokenizer instanceof ByteTokenizer;
    }

    /** "byte" or "token", for printed scores. */
    String unit() {
        return bytes() ? "byte" : "token";
    }

    /** A held-out score line: perplexity per {@code unit} ("byte" or "token") and bits per byte. */
    static String heldOutLine(String what, org.lowrank4j.nn.generate.PerplexityResult r, String unit) {
        return String.format(java.util.Locale.ROOT, "%s held-out perplexity %.4f per %s, %.4f bits per byte (%,d bytes)", what, r.perplexity(),
                unit, r.bitsPerByte(), r.bytes());
    }

    @Override
    public void close() throws IOException {
        if (tokenizer instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (IOException | RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IOException(e);
            }
        }
    }
}
