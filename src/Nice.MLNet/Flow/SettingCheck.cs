using System;

namespace Nice.MLNet.Flow;

/// <summary>
/// The range checks of the engine's settings, each throwing <see cref="ArgumentOutOfRangeException"/> with the
/// parameter name "Name" and a message naming "owner.Name", that gives the valid range (and, where useful, the paper's
/// value).
/// </summary>
internal readonly struct SettingCheck
{
    private readonly string owner;

    public SettingCheck(string owner) => this.owner = owner;

    public void AtLeast(int value, int min, string name, string? note = null)
    {
        if (value < min) Fail(name, value, $"must be >= {min}", note);
    }

    /// <summary>A finite number &gt; 0.</summary>
    public void Positive(double value, string name, string? note = null)
    {
        if (!(value > 0) || double.IsInfinity(value)) Fail(name, value, "must be a finite number > 0", note);
    }

    /// <summary>A finite number ≥ 0.</summary>
    public void NonNegative(double value, string name, string? note = null)
    {
        if (!(value >= 0) || double.IsInfinity(value)) Fail(name, value, "must be a finite number >= 0", note);
    }

    /// <summary>A number in [0, 1).</summary>
    public void UnitInterval(double value, string name, string? note = null)
    {
        if (!(value >= 0 && value < 1)) Fail(name, value, "must be in [0, 1)", note);
    }

    public void Fail(string name, object? value, string rule, string? note = null)
    {
        string full = $"{owner}.{name}";
        throw new ArgumentOutOfRangeException(name, value, $"{full} {rule}{(note is null ? "" : $" ({note})")}.");
    }
}
