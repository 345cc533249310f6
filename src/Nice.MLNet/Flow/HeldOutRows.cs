namespace Nice.MLNet.Flow;

/// <summary>
/// The rows one training run holds out to pick its best epoch. Row i gets a seeded hash u(i) ∈ [0, 1) (the same for
/// every member of an ensemble). With <paramref name="Folds"/> K ≥ 2, row i is in fold ⌊u(i)·K⌋ and the run that
/// trains member <paramref name="Fold"/> holds out exactly that fold (cross-fitting: every row is held out by one
/// member). Otherwise row i is held out when u(i) &lt; <paramref name="Fraction"/>; row 0 always trains, so a
/// non-empty source never leaves training empty.
/// </summary>
internal sealed record HeldOutRows(int Seed, double Fraction, int Folds = 0, int Fold = 0)
{
    /// <summary>True when row <paramref name="row"/> (0-based, in the source's order) is held out.</summary>
    public bool Contains(long row)
        => Folds >= 2 ? Split.FoldOf(row, Seed, Folds) == Fold : row > 0 && Split.IsValidation(row, Seed, Fraction);
}
