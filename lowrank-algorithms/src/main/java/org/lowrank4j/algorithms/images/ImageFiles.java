package org.lowrank4j.algorithms.images;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import org.lowrank4j.formats.io.AtomicFiles;

/**
 * Writing an RGB picture in the format its file name's extension names: PNG ({@code .png}), JPEG ({@code .jpg},
 * {@code .jpeg}; lossy, quality {@value #JPEG_QUALITY}) or BMP ({@code .bmp}), case ignored. Other names are refused
 * rather than given bytes of another format than they say.
 */
public final class ImageFiles {
    /** The JPEG quality written (ImageIO's own default is 0.75, which shows its blocks on a photo). */
    public static final float JPEG_QUALITY = 0.95f;

    /** The extensions {@link #write} takes, for messages and help. */
    public static final String EXTENSIONS = ".png, .jpg, .jpeg or .bmp";

    private ImageFiles() {
    }

    /**
     * The ImageIO format name for {@code out}'s extension.
     *
     * @param option the option that named {@code out}, for the message
     * @throws IllegalArgumentException naming the option and the file when the extension is none of {@link #EXTENSIONS}
     */
    public static String formatFor(Path out, String option) {
        String name = out.getFileName() == null ? "" : out.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".png")) {
            return "png";
        }
        if (name.endsWith(".jpg") || name.endsWith(".jpeg")) {
            return "jpeg";
        }
        if (name.endsWith(".bmp")) {
            return "bmp";
        }
        throw new IllegalArgumentException(option + " " + out + " must end in " + EXTENSIONS + " (the image is written in the format its"
                + " extension names)");
    }

    /**
     * Writes {@code image} (RGB, no alpha: JPEG and BMP hold none) to {@code out} atomically, in {@link #formatFor}'s format.
     *
     * @throws IllegalArgumentException as {@link #formatFor}
     */
    public static void write(BufferedImage image, Path out, String option) throws IOException {
        String format = formatFor(out, option);
        AtomicFiles.write(out, stream -> {
            Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName(format);
            if (!writers.hasNext()) {
                throw new IOException("this JVM has no " + format + " image writer");
            }
            ImageWriter writer = writers.next();
            try (ImageOutputStream images = ImageIO.createImageOutputStream(stream)) {
                writer.setOutput(images);
                ImageWriteParam param = writer.getDefaultWriteParam();
                if (format.equals("jpeg")) {
                    param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
                    param.setCompressionQuality(JPEG_QUALITY);
                }
                writer.write(null, new IIOImage(image, null, null), param);
            } finally {
                writer.dispose();
            }
        });
    }
}
