package org.lowrank4j.nn.arch.unet;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.lowrank4j.nn.Layer;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.layers.Activation;
import org.lowrank4j.nn.layers.Channels;
import org.lowrank4j.nn.layers.Conv2d;
import org.lowrank4j.nn.layers.Upsample2x;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * A small U-Net, {@code x(B,H,W,in) → y(B,H,W,out)} in (0, 1), for L levels of widths w₀ … w_{L−1}:
 * <pre>
 *   e₀ = x                                   (B,H,W,in)
 *   e_l = relu(conv3×3 stride 2 (e_{l−1}))   (B,H/2^l,W/2^l,w_{l−1}),  l = 1 … L
 *   d_L = e_L
 *   d_l = relu(conv3×3 (concat(up2(d_{l+1}), e_l)))   width w_{max(l−1,0)},  l = L−1 … 0
 *   y = sigmoid(conv3×3 (d₀))                (B,H,W,out)
 * </pre>
 * H and W must be multiples of 2^L. Parameters are named {@code enc<l>.*}, {@code dec<l>.*} and {@code head.*}.
 */
public final class UNet implements Layer {
    private final UNetConfig config;
    private final Precision precision;
    private final List<Conv2d> encoders = new ArrayList<>(); // index l−1 for level l
    private final List<Conv2d> decoders = new ArrayList<>(); // index l for level l
    private final List<Activation> encoderRelus = new ArrayList<>();
    private final List<Activation> decoderRelus = new ArrayList<>();
    private final List<Upsample2x> upsamplers = new ArrayList<>();
    private final Conv2d head;
    private final Activation sigmoid = Activation.sigmoid();
    private final int[] skipChannels; // channels of e_l, l = 0 … L−1

    /** A U-Net with He-normal kernels drawn from {@code random} and zero biases. */
    public UNet(UNetConfig config, Precision precision, Random random) {
        this.config = config;
        this.precision = precision;
        int[] w = config.widths();
        int levels = w.length;
        skipChannels = new int[levels];
        int channels = config.inChannels();
        for (int l = 1; l <= levels; l++) {
            skipChannels[l - 1] = channels;
            encoders.add(Conv2d.create("enc" + l, channels, w[l - 1], 3, 2, 1, precision, random));
            encoderRelus.add(Activation.relu());
            channels = w[l - 1];
        }
        for (int l = 0; l < levels; l++) {
            decoders.add(null);
            decoderRelus.add(Activation.relu());
            upsamplers.add(new Upsample2x());
        }
        for (int l = levels - 1; l >= 0; l--) {
            int out = w[Math.max(l - 1, 0)];
            decoders.set(l, Conv2d.create("dec" + l, channels + skipChannels[l], out, 3, 1, 1, precision, random));
            channels = out;
        }
        head = Conv2d.create("head", channels, config.outChannels(), 3, 1, 1, precision, random);
    }

    public UNetConfig config() {
        return config;
    }

    public Precision precision() {
        return precision;
    }

    /** x (B,H,W,in) → y (B,H,W,out), every value in (0, 1). */
    @Override
    public Tensor forward(Tensor x) {
        int m = config.sideMultiple();
        if (x.rank() != 4 || x.dim(3) != config.inChannels() || x.dim(1) % m != 0 || x.dim(2) % m != 0 || x.dim(1) == 0 || x.dim(2) == 0) {
            throw new IllegalArgumentException("U-Net input " + x.shapeString() + " must be (batch, height, width, " + config.inChannels()
                    + ") with height and width positive multiples of " + m);
        }
        if (x.precision() != precision) {
            throw new IllegalArgumentException("U-Net input is " + x.precision() + " but the network is " + precision);
        }
        int levels = config.levels();
        List<Tensor> skips = new ArrayList<>();
        Tensor e = x;
        for (int l = 1; l <= levels; l++) {
            skips.add(e);
            e = encoderRelus.get(l - 1).forward(encoders.get(l - 1).forward(e));
        }
        Tensor d = e;
        for (int l = levels - 1; l >= 0; l--) {
            Tensor joined = Channels.concat(upsamplers.get(l).forward(d), skips.get(l));
            d = decoderRelus.get(l).forward(decoders.get(l).forward(joined));
        }
        return sigmoid.forward(head.forward(d));
    }

    /** dy (B,H,W,out) → dx (B,H,W,in); adds into every parameter's gradient. */
    @Override
    public Tensor backward(Tensor dy) {
        int levels = config.levels();
        Tensor dd = head.backward(sigmoid.backward(dy));
        Tensor[] dskips = new Tensor[levels];
        for (int l = 0; l < levels; l++) {
            Tensor djoined = decoders.get(l).backward(decoderRelus.get(l).backward(dd));
            int upChannels = djoined.dim(3) - skipChannels[l];
            dskips[l] = Channels.slice(djoined, upChannels, skipChannels[l]);
            dd = upsamplers.get(l).backward(Channels.slice(djoined, 0, upChannels));
        }
        Tensor de = dd;
        for (int l = levels; l >= 1; l--) {
            de = encoders.get(l - 1).backward(encoderRelus.get(l - 1).backward(de));
            add(de, dskips[l - 1]);
        }
        return de;
    }

    private static void add(Tensor into, Tensor x) {
        org.lowrank4j.nn.tensor.Kernels.of(into).addInPlace(into, x);
    }

    /** The convolutions in a fixed order: encoders, decoders (deepest first), head. */
    public List<Conv2d> convolutions() {
        List<Conv2d> out = new ArrayList<>(encoders);
        for (int l = config.levels() - 1; l >= 0; l--) {
            out.add(decoders.get(l));
        }
        out.add(head);
        return out;
    }

    @Override
    public List<Parameter> parameters() {
        List<Parameter> out = new ArrayList<>();
        for (Conv2d conv : convolutions()) {
            out.addAll(conv.parameters());
        }
        return out;
    }
}
