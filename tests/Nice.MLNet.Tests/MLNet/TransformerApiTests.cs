using System;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit;

namespace Nice.MLNet.Tests.MLNet;

public class TransformerApiTests
{
    private readonly MLContext ml = new(seed: 1);

    [Fact]
    public void Latent_CarriesTheInputsSlotNames()
    {
        var raw = ml.Data.LoadFromEnumerable(Fixtures.Correlated(60).Select(r => new Named { A = r.Features[0], B = r.Features[1], C = r.Features[2] }));
        var data = ml.Transforms.Concatenate("Features", "A", "B", "C").Fit(raw).Transform(raw);
        using var model = ml.Transforms.Nice(Fixtures.Small(1)).Fit(data);
        var latent = model.Transform(data).Schema["Latent"];
        VBuffer<ReadOnlyMemory<char>> names = default;
        latent.GetSlotNames(ref names);
        Assert.Equal(new[] { "A", "B", "C" }, names.DenseValues().Select(n => n.ToString()));
    }

    public sealed class Named { public float A, B, C; }

    [Fact]
    public void GetRowCursorSet_GivesParallelCursorsThatTogetherServeEveryRowOnce()
    {
        var rows = Fixtures.Correlated(2000);
        var data = ml.Data.Cache(Fixtures.Data(ml, rows));
        using var model = ml.Transforms.Nice(Fixtures.Small(1)).Fit(data);
        var scored = model.Transform(data);
        var expected = Fixtures.Column(scored, "LogLikelihood");
        var cursors = scored.GetRowCursorSet(scored.Schema.Where(c => c.Name is "LogLikelihood" or "Label"), 2);
        Assert.True(cursors.Length >= 1);
        var seen = new float[rows.Length];
        int total = 0;
        System.Threading.Tasks.Parallel.ForEach(cursors, cursor =>
        {
            using (cursor)
            {
                var ll = cursor.GetGetter<float>(scored.Schema["LogLikelihood"]);
                var id = cursor.GetIdGetter();
                float v = 0;
                DataViewRowId rowId = default;
                while (cursor.MoveNext())
                {
                    ll(ref v);
                    id(ref rowId);
                    seen[(int)rowId.Low] = v;
                    System.Threading.Interlocked.Increment(ref total);
                }
            }
        });
        Assert.Equal(rows.Length, total);
        Assert.Equal(expected, seen);
    }

    [Fact]
    public void Inverse_OfEncode_ReturnsTheRows_AndLogLikelihoodMatchesTransform()
    {
        var rows = Fixtures.Correlated(100);
        var data = Fixtures.Data(ml, rows);
        using var model = ml.Transforms.Nice(Fixtures.Small()).Fit(data);
        var x = rows.Select(r => r.Features).ToArray();
        var back = model.Inverse(model.Encode(x));
        for (int i = 0; i < x.Length; i++) for (int j = 0; j < 4; j++) Approx.Equal(x[i][j], back[i][j], 1e-4, $"row {i} feature {j}");
        Assert.Equal(Fixtures.Column(model.Transform(data), "LogLikelihood"), model.LogLikelihood(x));
    }

    [Fact]
    public void Sample_IsSeeded_AndComesAsArraysOrAsDataViewNamedLikeTheInput()
    {
        var data = Fixtures.Data(ml, Fixtures.Correlated(200));
        using var model = ml.Transforms.Nice(Fixtures.Small()).Fit(data);
        var a = model.Sample(10, 1.0, seed: 4);
        Assert.Equal(10, a.Length);
        Assert.All(a, r => Assert.Equal(4, r.Length));
        Assert.Equal(a, model.Sample(10, 1.0, seed: 4));
        Assert.NotEqual(a, model.Sample(10, 1.0, seed: 5));
        var view = model.SampleDataView(ml, 10, 1.0, seed: 4);
        Assert.Equal(data.Schema["Features"].Type, view.Schema["Features"].Type);
        Assert.Equal(a, Fixtures.VectorColumn(view, "Features"));
        // The samples score as finite log-likelihoods through the same model.
        Assert.All(Fixtures.Column(model.Transform(view), "LogLikelihood"), v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void Model_IsInspectable_ParametersScalingAndHistory()
    {
        var data = Fixtures.Data(ml, Fixtures.Correlated(200));
        using var model = ml.Transforms.Nice(Fixtures.Small(3)).Fit(data);
        Assert.Equal(4, model.LogScale.Length);
        var parameters = model.GetParameters();
        var s = parameters.Single(p => p.Name == "scaling.s");
        Assert.Equal(model.LogScale, s.Values);
        // 4 couplings × (2 hidden + output) linear layers × (weight + bias), plus s, plus the input normalization's
        // log-scale and bias (on by default: NiceOptions.InputNormalization).
        Assert.Equal(4 * 3 * 2 + 1 + 2, parameters.Count);
        Assert.Equal(new[] { "layers.0.logs", "layers.0.bias" }, parameters.Take(2).Select(p => p.Name));
        var history = model.TrainingSummary!.History;
        Assert.Equal(new[] { 1, 2, 3 }, history.Select(h => h.Epoch));
        Assert.All(history, h => Assert.True(h.ValidNll.HasValue && h.Seconds >= 0));
    }
}
