using System.Linq;
using Nice.MLNet.Flow;
using TorchSharp;
using static TorchSharp.torch;

namespace Nice.MLNet.Tests;

internal static class TestUtil
{
    /// <summary>A flow whose every parameter is random (the default init makes each coupling the identity, which proves nothing).</summary>
    public static NiceFlow RandomFlow(FlowConfig config, int seed = 0, double scale = 0.3, ScalarType dtype = ScalarType.Float32)
    {
        return GlobalRandom.Seeded(seed, () =>
        {
            var flow = new NiceFlow(config);
            flow.to(dtype);
            using (no_grad())
                foreach (var p in flow.parameters())
                    p.copy_(randn_like(p) * scale);
            flow.eval();
            return flow;
        });
    }
}
