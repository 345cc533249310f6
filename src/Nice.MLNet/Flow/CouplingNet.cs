using System;
using System.Collections.Generic;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Nice.MLNet.Flow;

/// <summary>
/// The coupling function m: an MLP d_in → width → … → width → d_out with <c>hiddenLayers</c> hidden layers
/// (the paper's MNIST model: 5 hidden layers of 1000 ReLU units). Hidden layers use PyTorch's default
/// (Kaiming-uniform) initialization; the output layer starts at zero, so every coupling starts as the identity.
/// </summary>
internal sealed class CouplingNet : nn.Module<Tensor, Tensor>
{
    private readonly Sequential layers;

    public CouplingNet(int inputs, int outputs, int hiddenLayers, int width, NiceActivation activation)
        : base(nameof(CouplingNet))
    {
        if (hiddenLayers < 1)
            throw new ArgumentOutOfRangeException(nameof(hiddenLayers), hiddenLayers, "At least one hidden layer.");
        if (width < 1) throw new ArgumentOutOfRangeException(nameof(width), width, "Width must be positive.");
        var list = new List<(string, nn.Module<Tensor, Tensor>)>();
        int fanIn = inputs;
        for (int h = 0; h < hiddenLayers; h++)
        {
            list.Add(($"linear{h}", nn.Linear(fanIn, width)));
            list.Add(($"act{h}", activation == NiceActivation.ReLU ? nn.ReLU() : nn.LeakyReLU(0.01)));
            fanIn = width;
        }
        var output = nn.Linear(fanIn, outputs);
        using (no_grad())
        {
            output.weight!.zero_();
            output.bias!.zero_();
        }
        list.Add(("output", output));
        layers = nn.Sequential(list);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => layers.forward(x);

    protected override void Dispose(bool disposing)
    {
        if (disposing) layers.Dispose();
        base.Dispose(disposing);
    }
}
