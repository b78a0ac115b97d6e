package org.lowrank4j.adapt.snella;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.lowrank4j.adapt.snell.SnellWeight;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.DenseWeight;

/** SNELLA's allocation (spec 07 "How to test" 4): Σ alloc = V(t), each alloc ≤ n·m, the cubic schedule, importance-driven shares. */
class SparsityAllocatorTest {
    private static final Precision F64 = Precision.FLOAT64;

    @Test
    void sharesFollowTheScoresSumToTheVolumeAndRespectCapacities() {
        long[] caps = {100, 40, 400, 60};
        double[] scores = {0.1, 0.6, 0.2, 0.1};
        for (long volume : new long[] {0, 1, 97, 300, 599, 600}) {
            long[] alloc = SparsityAllocator.allocate(scores, volume, caps);
            assertThat(LongStream.of(alloc).sum()).isEqualTo(volume);
            for (int l = 0; l < caps.length; l++) {
                assertThat(alloc[l]).isBetween(0L, caps[l]);
            }
        }
        long[] alloc = SparsityAllocator.allocate(scores, 300, caps);
        // 0.6·300 = 180 > 40: layer 1 is capped at 40, the other 260 go 0.1 : 0.2 : 0.1 = 65, 130, 65; layer 3 holds only 60,
        // so its 5 go again 1 : 2 to layers 0 and 2 (66.7, 133.3), rounded to the whole numbers 67 and 133
        assertThat(alloc).containsExactly(67, 40, 133, 60);
        assertThat(SparsityAllocator.allocate(new double[] {0, 0}, 10, new long[] {50, 50})).containsExactly(5, 5);
        assertThatThrownBy(() -> SparsityAllocator.allocate(scores, 601, caps)).hasMessageContaining("does not fit");
    }

    private static SnellWeight layer(String name, int in, int out, long seed) {
        Random random = new Random(seed);
        return new SnellWeight(name, new DenseWeight(new Parameter(name + ".w", Tensor.gaussian(F64, random, 1, out, in))),
                new Parameter(name + ".P", Tensor.gaussian(F64, random, 1, 2, in, 2)), new Parameter(name + ".Q", Tensor.gaussian(F64, random, 1, 2, out, 2)),
                new Parameter(name + ".mix", Tensor.of(F64, new double[] {1, 1, 0}, 3)), 0.1, true, in * out);
    }

    @Test
    void theCubicScheduleRunsFromTheInitialToTheTargetVolume() {
        List<SnellWeight> layers = List.of(layer("a", 10, 10, 1), layer("b", 10, 5, 2));
        SparsityAllocator allocator = new SparsityAllocator(layers, 0.0, 0.8, 0.85, 0.85, 1, 0, 0);
        assertThat(allocator.volume(0, 7)).isEqualTo(150);
        assertThat(allocator.volume(7, 7)).isEqualTo(30);
        long previous = Long.MAX_VALUE;
        for (int t = 0; t <= 7; t++) {
            long v = allocator.volume(t, 7);
            assertThat(v).isLessThanOrEqualTo(previous);
            previous = v;
        }
        assertThat(allocator.volume(1, 7)).isEqualTo(30 + (long) Math.floor(120 * Math.pow(6.0 / 7, 3)));
    }

    @Test
    void afterEachStepTheLayersKeepTheirShareOfTheScheduledVolume() {
        List<SnellWeight> layers = new ArrayList<>(List.of(layer("a", 10, 10, 1), layer("b", 10, 5, 2), layer("c", 6, 8, 3)));
        SparsityAllocator allocator = new SparsityAllocator(layers, 0.01, 0.8, 0.85, 0.85, 1, 0, 0);
        for (int step = 0; step < 4; step++) {
            for (int l = 0; l < layers.size(); l++) { // layer "b" sees gradients 10x larger: it earns the larger share
                for (Parameter p : List.of(layers.get(l).p(), layers.get(l).q())) {
                    Random random = new Random(step * 10L + l);
                    for (int i = 0; i < p.size(); i++) {
                        p.gradient().set(i, (l == 1 ? 10 : 1) * random.nextGaussian());
                    }
                }
            }
            allocator.afterStep(step, 5);
            long sum = layers.stream().mapToLong(SnellWeight::kept).sum();
            assertThat(sum).isEqualTo(allocator.volume(step + 1, 4));
        }
        assertThat(allocator.allocations()).isEqualTo(4);
        assertThat(layers.stream().mapToLong(SnellWeight::kept).sum()).isEqualTo(20 + 10 + 10); // ⌈0.2·100⌉ + ⌈0.2·50⌉ + ⌈0.2·48⌉
        double[] s = allocator.scores();
        assertThat(s[1]).isGreaterThan(0.5).isGreaterThan(s[0]).isGreaterThan(s[2]);
        assertThat(layers.get(1).kept()).isGreaterThan(layers.get(0).kept());
        int kept = layers.get(0).kept();
        allocator.afterStep(4, 5); // after the last step nothing moves
        assertThat(layers.get(0).kept()).isEqualTo(kept);
    }
}
