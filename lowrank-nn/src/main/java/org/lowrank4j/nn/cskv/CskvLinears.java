package org.lowrank4j.nn.cskv;

import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.layers.Attention;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.DenseWeight;

/**
 * One layer's shrunk projections as runtime layers: {@code keyA}, {@code valueA} (input → cached features) and
 * {@code keyB}, {@code valueB} (features → keys, values; carrying the original projections' biases, so that
 * {@code K = B A x + b}).
 */
record CskvLinears(Attention attention, Linear keyA, Linear keyB, Linear valueA, Linear valueB) {

    static CskvLinears of(CskvLayer layer, Attention attention, Precision precision) {
        int c = attention.query().inFeatures();
        CskvProjection k = layer.key(), v = layer.value();
        if (k.in() != c || k.out() != attention.key().outFeatures() || v.out() != attention.value().outFeatures()) {
            throw new IllegalArgumentException("CSKV factors " + k.out() + "×" + k.rank() + "×" + k.in() + " and " + v.out() + "×" + v.rank() + "×"
                    + v.in() + " do not fit the attention's key (" + attention.key().outFeatures() + "×" + c + ") and value ("
                    + attention.value().outFeatures() + "×" + c + ") projections");
        }
        String name = attention.key().name();
        return new CskvLinears(attention, linear(name + ".cskv_a", k.a(), k.rank(), k.in(), null, precision),
                linear(name + ".cskv_b", k.b(), k.out(), k.rank(), attention.key().bias(), precision),
                linear(name + ".cskv_va", v.a(), v.rank(), v.in(), null, precision),
                linear(name + ".cskv_vb", v.b(), v.out(), v.rank(), attention.value().bias(), precision));
    }

    private static Linear linear(String name, double[] values, int out, int in, Parameter bias, Precision precision) {
        return new Linear(name, new DenseWeight(new Parameter(name + ".weight", Tensor.of(precision, values, out, in))), bias);
    }
}
