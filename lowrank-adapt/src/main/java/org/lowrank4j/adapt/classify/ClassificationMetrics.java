package org.lowrank4j.adapt.classify;

/**
 * Accuracy and macro-F1 of predictions against true labels. Macro-F1 is the unweighted mean over classes of
 * F1 = 2·precision·recall / (precision + recall), a class with no true and no predicted member scoring 0 (as
 * scikit-learn's {@code zero_division=0}).
 *
 * @param examples how many were scored
 * @param accuracy fraction predicted right
 * @param macroF1  mean per-class F1
 * @param perClassF1 F1 of each class
 */
public record ClassificationMetrics(int examples, double accuracy, double macroF1, double[] perClassF1) {

    public ClassificationMetrics {
        perClassF1 = perClassF1.clone();
    }

    @Override
    public double[] perClassF1() {
        return perClassF1.clone();
    }

    public static ClassificationMetrics of(int[] predicted, int[] truth, int classes) {
        if (predicted.length != truth.length || truth.length == 0) {
            throw new IllegalArgumentException(predicted.length + " predictions for " + truth.length + " labels");
        }
        int[] truePositive = new int[classes], predictedCount = new int[classes], actualCount = new int[classes];
        int right = 0;
        for (int i = 0; i < truth.length; i++) {
            predictedCount[predicted[i]]++;
            actualCount[truth[i]]++;
            if (predicted[i] == truth[i]) {
                right++;
                truePositive[truth[i]]++;
            }
        }
        double[] f1 = new double[classes];
        double sum = 0;
        for (int c = 0; c < classes; c++) {
            int denominator = predictedCount[c] + actualCount[c];
            f1[c] = denominator == 0 ? 0 : 2.0 * truePositive[c] / denominator;
            sum += f1[c];
        }
        return new ClassificationMetrics(truth.length, (double) right / truth.length, sum / classes, f1);
    }
}
