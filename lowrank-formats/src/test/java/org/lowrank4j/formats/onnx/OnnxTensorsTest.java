package org.lowrank4j.formats.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.lowrank4j.formats.onnx.proto.Onnx.TensorProto;
import org.lowrank4j.formats.onnx.proto.Onnx.TensorProto.DataType;

class OnnxTensorsTest {

    @Test
    void everyHalfValueSurvivesHalfToFloatToHalf() {
        for (int bits = 0; bits < 0x10000; bits++) {
            float value = OnnxTensors.halfToFloat((short) bits);
            if (Float.isNaN(value)) {
                assertThat(Float.isNaN(OnnxTensors.halfToFloat(OnnxTensors.floatToHalf(value)))).isTrue();
            } else {
                assertThat(OnnxTensors.floatToHalf(value) & 0xffff).as("half bits %04x", bits).isEqualTo(bits);
            }
        }
    }

    @Test
    void floatToHalfRoundsToNearestEvenAndSaturatesToInfinity() {
        assertThat(OnnxTensors.floatToHalf(1.0f)).isEqualTo((short) 0x3c00);
        assertThat(OnnxTensors.floatToHalf(-2.0f)).isEqualTo((short) 0xc000);
        assertThat(OnnxTensors.floatToHalf(65504f)).isEqualTo((short) 0x7bff);
        assertThat(OnnxTensors.floatToHalf(65520f)).isEqualTo((short) 0x7c00); // halfway to 2^16 rounds up
        assertThat(OnnxTensors.floatToHalf(0x1p-24f)).isEqualTo((short) 0x0001); // smallest subnormal
        assertThat(OnnxTensors.floatToHalf(0x1p-25f)).isEqualTo((short) 0x0000); // tie rounds to even zero
        assertThat(OnnxTensors.floatToHalf(1 + 0x1p-11f)).isEqualTo((short) 0x3c00); // tie to even
        assertThat(OnnxTensors.floatToHalf(1 + 3 * 0x1p-11f)).isEqualTo((short) 0x3c02); // tie to even, up
        assertThat(OnnxTensors.floatToHalf(Float.NEGATIVE_INFINITY)).isEqualTo((short) 0xfc00);
        assertThat(OnnxTensors.floatToBfloat16(1.0f)).isEqualTo((short) 0x3f80);
        assertThat(OnnxTensors.bfloat16ToFloat(OnnxTensors.floatToBfloat16(3.140625f))).isEqualTo(3.140625f);
    }

    @Test
    void decodesTypedFieldsAndRawData() {
        TensorProto typed = TensorProto.newBuilder().setName("t").setDataType(DataType.FLOAT_VALUE)
                .addDims(2).addDims(2).addFloatData(1).addFloatData(2).addFloatData(3).addFloatData(4).build();
        assertThat(OnnxTensors.toFloats(typed)).containsExactly(1, 2, 3, 4);

        TensorProto halfInInt32 = TensorProto.newBuilder().setName("h").setDataType(DataType.FLOAT16_VALUE)
                .addDims(3).addInt32Data(0x3c00).addInt32Data(0xc000).addInt32Data(0x3800).build();
        assertThat(OnnxTensors.toFloats(halfInInt32)).containsExactly(1f, -2f, 0.5f);

        float[] values = {0.25f, -1.5f, 1e-3f, 7f, 65504f, -0f};
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.FLOAT16}) {
            TensorProto raw = OnnxTensors.fromFloats("r", new long[] {2, 3}, values, type);
            assertThat(raw.hasRawData()).isTrue();
            float[] back = OnnxTensors.toFloats(raw);
            for (int i = 0; i < values.length; i++) {
                float expected = type == DataType.FLOAT ? values[i]
                        : OnnxTensors.halfToFloat(OnnxTensors.floatToHalf(values[i]));
                assertThat(back[i]).isEqualTo(expected);
            }
        }
    }

    @Test
    void rejectsMismatchedSizesAndNonFloatTypes() {
        assertThatThrownBy(() -> OnnxTensors.fromFloats("w", new long[] {2, 3}, new float[5], DataType.FLOAT))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[2×3]").hasMessageContaining("got 5");
        TensorProto ints = TensorProto.newBuilder().setName("i").setDataType(DataType.INT64_VALUE).addDims(1)
                .addInt64Data(3).build();
        assertThatThrownBy(() -> OnnxTensors.toFloats(ints)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("INT64");
        TensorProto short4 = TensorProto.newBuilder().setName("s").setDataType(DataType.FLOAT_VALUE).addDims(2)
                .setRawData(com.google.protobuf.ByteString.copyFrom(new byte[4])).build();
        assertThatThrownBy(() -> OnnxTensors.toFloats(short4)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("needs 8 bytes");
    }
}
