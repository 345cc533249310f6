using System;
using System.Linq;
using Microsoft.ML;
using Nice.MLNet.Anomaly;
using Nice.MLNet.Tests.MLNet;
using Nice.MLNet.Flow;
using Xunit;

namespace Nice.MLNet.Tests.Anomaly;

/// <summary>
/// The calibrated threshold to the exact row: for a false-positive rate α on n scores, the smallest score t with at most
/// ⌊nα⌋ scores strictly above it, so exactly ⌊nα⌋ rows are flagged when the scores are distinct; ties, NaN scores and α = 0.
/// A band like "rate ± 0.01" cannot tell a correct calibration from one a rank off, or from one that flags nothing at α = 0.01.
/// </summary>
public class ThresholdCalibrationTests
{
    private readonly MLContext ml = new(seed: 1);

    /// <summary>n distinct scores in a shuffled order.</summary>
    private static float[] Distinct(int n, int seed)
    {
        var scores = Enumerable.Range(0, n).Select(i => 0.5f * i - 7).ToArray();
        new Random(seed).Shuffle(scores);
        return scores;
    }

    [Theory]
    [InlineData(1000, 0.01, 10)]
    [InlineData(700, 0.01, 7)]
    [InlineData(333, 0.01, 3)]
    [InlineData(250, 0.05, 12)]
    [InlineData(99, 0.2, 19)]
    [InlineData(100, 0.29, 29)]
    [InlineData(20, 0.05, 1)]
    [InlineData(7, 0.999, 6)]
    [InlineData(1, 0.5, 0)]
    [InlineData(10, 0.0, 0)]
    public void DistinctScores_FlagExactlyFloorOfNTimesRate(int n, double rate, int flagged)
    {
        var scores = Distinct(n, seed: n);
        float t = ThresholdCalibration.ForFalsePositiveRate(scores, rate);
        Assert.Equal(flagged, scores.Count(s => s > t));
        Assert.Contains(t, scores);
        Assert.Equal(flagged / (double)n, ThresholdCalibration.Rate(scores, t));
    }

    [Fact]
    public void RateZero_GivesTheMaximumScore_AndFlagsNothing()
    {
        var scores = Distinct(500, seed: 3);
        float t = ThresholdCalibration.ForFalsePositiveRate(scores, 0);
        Assert.Equal(scores.Max(), t);
        Assert.Equal(0.0, ThresholdCalibration.Rate(scores, t));
    }

    /// <summary>Sorted: 1 2 3 3 3 3 3 4 5 6. Ties make "exactly ⌊nα⌋" impossible; the threshold is still the smallest score allowed.</summary>
    [Theory]
    [InlineData(0.1, 5f, 1)]
    [InlineData(0.3, 3f, 3)]
    [InlineData(0.5, 3f, 3)]   // ⌊5⌋ allowed, but t = 2 would flag 8: the five tied 3s go together
    [InlineData(0.75, 3f, 3)]
    [InlineData(0.8, 2f, 8)]
    [InlineData(0.95, 1f, 9)]
    public void TiedScores_TheSmallestThresholdFlaggingAtMostFloorOfNTimesRate(double rate, float threshold, int flagged)
    {
        var scores = new float[] { 3, 6, 1, 3, 4, 3, 2, 5, 3, 3 };
        float t = ThresholdCalibration.ForFalsePositiveRate(scores, rate);
        Assert.Equal(threshold, t);
        Assert.Equal(flagged, scores.Count(s => s > t));
    }

    [Fact]
    public void AllScoresEqual_ThresholdIsThatScore_AndNothingIsFlagged()
    {
        var scores = Enumerable.Repeat(2.5f, 40).ToArray();
        Assert.Equal(2.5f, ThresholdCalibration.ForFalsePositiveRate(scores, 0.1));
        Assert.Equal(0.0, ThresholdCalibration.Rate(scores, 2.5f));
    }

    /// <summary>Against the definition, by brute force, on random scores with many ties (20 values for up to 300 rows).</summary>
    [Fact]
    public void RandomTiedScores_MatchTheDefinitionByBruteForce()
    {
        var random = new Random(5);
        var rates = new[] { 0.0, 0.01, 0.05, 0.1, 0.25, 0.5, 0.9 };
        for (int trial = 0; trial < 300; trial++)
        {
            int n = random.Next(1, 301);
            var scores = Enumerable.Range(0, n).Select(_ => (float)random.Next(20)).ToArray();
            double rate = rates[trial % rates.Length];
            int allowed = (int)Math.Floor(n * rate + 1e-9);
            float expected = scores.Where(c => scores.Count(s => s > c) <= allowed).Min();
            Assert.Equal(expected, ThresholdCalibration.ForFalsePositiveRate(scores, rate));
        }
    }

    [Fact]
    public void NaNScores_AreIgnored_ByTheThresholdAndTheRate()
    {
        var finite = Distinct(100, seed: 8);
        var withNaN = finite.Concat(Enumerable.Repeat(float.NaN, 25)).ToArray();
        new Random(9).Shuffle(withNaN);
        float t = ThresholdCalibration.ForFalsePositiveRate(withNaN, 0.1);
        Assert.Equal(ThresholdCalibration.ForFalsePositiveRate(finite, 0.1), t);
        Assert.Equal(10, withNaN.Count(s => s > t));
        Assert.Equal(0.1, ThresholdCalibration.Rate(withNaN, t));
    }

    [Fact]
    public void OnlyNaNScores_Throw_SayingThereIsNothingToCalibrateOn()
    {
        var e = Assert.Throws<InvalidOperationException>(() => ThresholdCalibration.ForFalsePositiveRate(new[] { float.NaN, float.NaN }, 0.1));
        Assert.Contains("No finite scores", e.Message);
        Assert.True(double.IsNaN(ThresholdCalibration.Rate(new[] { float.NaN }, 0f)));
    }

    [Theory]
    [InlineData(-0.01)]
    [InlineData(1.0)]
    [InlineData(double.NaN)]
    public void RateOutsideZeroToOne_Throws(double rate)
        => Assert.Throws<ArgumentOutOfRangeException>(() => ThresholdCalibration.ForFalsePositiveRate(new[] { 1f, 2f }, rate));

    // Through a fitted detector: Fit calibrates on rows the model did not train on (out of fold, held out, or the training
    // rows when none were held out), ChangeThreshold(data, α) on the rows given.

    /// <summary>One flow that holds out no rows, so it calibrates on its training rows.</summary>
    private static NiceAnomalyOptions Options(double rate, bool skipNonFinite = false)
    {
        var options = AnomalyFixtures.Small(falsePositiveRate: rate, epochs: 2);
        options.Nice.SkipNonFiniteRows = skipNonFinite;
        options.Nice.ValidationFraction = 0;
        return options;
    }

    /// <summary>The detector's own scores on its calibration rows, which must be distinct for "exactly" to be the claim.</summary>
    private static float[] DistinctScores(NiceAnomalyDetector detector, IDataView data)
    {
        var scores = Fixtures.Column(detector.Transform(data), "Score").Where(float.IsFinite).ToArray();
        Assert.Equal(scores.Length, scores.Distinct().Count());
        return scores;
    }

    [Theory]
    [InlineData(700, 0.01, 7)]
    [InlineData(700, 0.05, 35)]
    [InlineData(333, 0.01, 3)]
    public void FittedDetector_FlagsExactlyFloorOfNTimesRateTrainingRows(int n, double rate, int flagged)
    {
        var data = Fixtures.Data(ml, Fixtures.Correlated(n, seed: 11));
        using var detector = ml.AnomalyDetection.Trainers.Nice(Options(rate)).Fit(data);
        var scores = DistinctScores(detector, data);
        var predicted = AnomalyFixtures.BoolColumn(detector.Transform(data), "PredictedLabel");
        Assert.Equal(flagged, predicted.Count(p => p));
        Assert.Equal(flagged, scores.Count(s => s > detector.Threshold));
        Assert.Contains(detector.Threshold, scores);
        Assert.Equal(flagged / (double)n, detector.CalibrationFalsePositiveRate);
        Assert.Equal(NiceCalibrationSource.TrainingRows, detector.CalibrationSource);
        Assert.Equal(n, detector.CalibrationRows);
    }

    [Fact]
    public void FittedSingleFlow_CalibratesOnTheRowsItHeldOut()
    {
        var rows = Fixtures.Correlated(700, seed: 16);
        var options = AnomalyFixtures.Small(falsePositiveRate: 0.05, epochs: 2);
        using var detector = ml.AnomalyDetection.Trainers.Nice(options).Fit(Fixtures.Data(ml, rows));
        // The rows the flow held out to pick its epoch: the engine's seeded hash of the row index (row 0 always trains).
        var heldOut = Enumerable.Range(0, rows.Length).Where(i => i > 0 && Split.IsValidation(i, options.Nice.Seed, 0.1))
            .Select(i => rows[i]).ToArray();
        Assert.Equal(NiceCalibrationSource.Holdout, detector.CalibrationSource);
        Assert.Equal(heldOut.Length, detector.CalibrationRows);
        var scores = DistinctScores(detector, Fixtures.Data(ml, heldOut));
        Assert.Equal(heldOut.Length * 5 / 100, scores.Count(s => s > detector.Threshold));
        Assert.Contains(detector.Threshold, scores);
    }

    [Fact]
    public void FittedEnsemble_CalibratesOnEveryTrainingRow_ScoredByTheMemberThatHeldItOut()
    {
        var rows = Fixtures.Correlated(300, seed: 17);
        var options = AnomalyFixtures.Small(falsePositiveRate: 0.1, epochs: 2);
        options.Nice.EnsembleMembers = 3;
        using var detector = ml.AnomalyDetection.Trainers.Nice(options).Fit(Fixtures.Data(ml, rows));
        Assert.Equal(NiceCalibrationSource.OutOfFold, detector.CalibrationSource);
        Assert.Equal(300, detector.CalibrationRows);
        var members = detector.Model.Flow.Members;
        Assert.Equal(3, members.Count);
        var outOfFold = new float[rows.Length];
        for (int i = 0; i < rows.Length; i++)
        {
            using var scorer = new FlowScorer(members[Split.FoldOf(i, options.Nice.Seed, 3)], null);
            var ll = new float[1];
            scorer.Score(rows[i].Features, 1, null, ll);
            outOfFold[i] = -ll[0];
        }
        Assert.Equal(ThresholdCalibration.ForFalsePositiveRate(outOfFold, 0.1), detector.Threshold);
        // The ensemble's own scores of its training rows are another thing: every member but one saw each row.
        var ensemble = detector.Score(rows.Select(r => r.Features).ToArray());
        Assert.NotEqual(ThresholdCalibration.ForFalsePositiveRate(ensemble, 0.1), detector.Threshold);
    }

    [Fact]
    public void DefaultDetector_FlagsAboutTheRequestedRateOfNewNormalRows()
    {
        // Defaults only: 600 rows is the small-data regime (a 5-member ensemble, out-of-fold threshold).
        var options = new NiceAnomalyOptions { FalsePositiveRate = 0.05, Nice = new NiceOptions { Seed = 2 } };
        using var detector = ml.AnomalyDetection.Trainers.Nice(options).Fit(Fixtures.Data(ml, Fixtures.Correlated(600, seed: 18)));
        Assert.Equal(NiceCalibrationSource.OutOfFold, detector.CalibrationSource);
        var fresh = Fixtures.Data(ml, Fixtures.Correlated(4000, seed: 19));
        double measured = AnomalyFixtures.BoolColumn(detector.Transform(fresh), "PredictedLabel").Count(p => p) / 4000.0;
        Assert.InRange(measured, 0.04, 0.06);
    }

    [Fact]
    public void FittedDetector_AtRateZero_FlagsNoTrainingRow_AndItsThresholdIsTheHighestScore()
    {
        var data = Fixtures.Data(ml, Fixtures.Correlated(400, seed: 12));
        using var detector = ml.AnomalyDetection.Trainers.Nice(Options(0)).Fit(data);
        var scores = DistinctScores(detector, data);
        Assert.Equal(scores.Max(), detector.Threshold);
        Assert.DoesNotContain(true, AnomalyFixtures.BoolColumn(detector.Transform(data), "PredictedLabel"));
        Assert.Equal(0.0, detector.CalibrationFalsePositiveRate);
    }

    /// <summary>NaN rows (skipped in training) score +∞, are always flagged, and do not count in n.</summary>
    [Fact]
    public void FittedDetector_WithNaNRows_CalibratesOnTheFiniteRowsOnly()
    {
        var rows = Fixtures.Correlated(700, seed: 13).ToList();
        for (int i = 0; i < 30; i++)
        {
            var bad = Fixtures.Correlated(1, seed: 100 + i)[0];
            bad.Features[i % 4] = float.NaN;
            rows.Insert(i * 23, bad);
        }
        var data = Fixtures.Data(ml, rows);
        using var detector = ml.AnomalyDetection.Trainers.Nice(Options(0.01, skipNonFinite: true)).Fit(data);
        var scored = detector.Transform(data);
        var scores = Fixtures.Column(scored, "Score");
        var predicted = AnomalyFixtures.BoolColumn(scored, "PredictedLabel");
        // Rows with NaN are outside the model's support: Score +∞, always flagged, and left out of the calibration.
        Assert.Equal(30, scores.Count(float.IsPositiveInfinity));
        Assert.All(Enumerable.Range(0, scores.Length).Where(i => float.IsPositiveInfinity(scores[i])), i => Assert.True(predicted[i]));
        DistinctScores(detector, data);
        Assert.Equal(7 + 30, predicted.Count(p => p));
        Assert.Equal(7 / 700.0, detector.CalibrationFalsePositiveRate);
        Assert.Equal(700, detector.CalibrationRows);
    }

    [Fact]
    public void ChangeThreshold_OnOtherData_FlagsExactlyFloorOfNTimesRateOfThoseRows()
    {
        using var detector = ml.AnomalyDetection.Trainers.Nice(Options(0.01)).Fit(Fixtures.Data(ml, Fixtures.Correlated(300, seed: 14)));
        var other = Fixtures.Data(ml, Fixtures.Correlated(450, seed: 15));
        using var recalibrated = detector.ChangeThreshold(other, 0.3);
        DistinctScores(recalibrated, other);
        Assert.Equal(135, AnomalyFixtures.BoolColumn(recalibrated.Transform(other), "PredictedLabel").Count(p => p));
        Assert.Equal(0.3, recalibrated.CalibrationFalsePositiveRate);
        Assert.Equal(NiceCalibrationSource.GivenRows, recalibrated.CalibrationSource);
        Assert.Equal(450, recalibrated.CalibrationRows);
    }
}
