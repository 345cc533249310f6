using System;
using System.Globalization;
using System.IO;
using System.Linq;
using Xunit;

namespace Nice.MLNet.Tests.Packaging;

/// <summary>
/// src/Nice.MLNet packed once per test run into the repository's local feed, artifacts/packages — the feed that
/// notebooks/nuget.config adds and <c>./run.sh notebooks</c> packs into — under a new version,
/// 0.1.0-local.&lt;UTC time&gt;, so NuGet's cache (keyed by id and version) cannot hand out an older build, and the
/// notebooks' <c>Nice.MLNet, *-*</c> takes this one. Older local packs are removed from the feed.
/// </summary>
public sealed class PackedLibrary
{
    public PackedLibrary()
    {
        Feed = RepositoryFiles.Path(Path.Combine("artifacts", "packages"));
        string suffix = "local." + DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
        Pack = ProcessRun.Start("dotnet",
            new[]
            {
                "pack", RepositoryFiles.Path("src/Nice.MLNet/Nice.MLNet.csproj"), "-c", "Release", "-o", Feed,
                "--version-suffix", suffix,
            },
            RepositoryFiles.Root, TimeSpan.FromMinutes(8));
        Assert.True(Pack.ExitCode == 0, Pack.ToString());
        Nupkg = Directory.GetFiles(Feed, $"Nice.MLNet.*-{suffix}.nupkg").Single();
        Version = Path.GetFileNameWithoutExtension(Nupkg)["Nice.MLNet.".Length..];
        foreach (var old in Directory.GetFiles(Feed, "Nice.MLNet.*-local.*nupkg").Where(f => !f.Contains(suffix)))
            File.Delete(old);
    }

    /// <summary>The local feed folder (absolute).</summary>
    public string Feed { get; }

    /// <summary>The package version packed for this run, e.g. 0.1.0-local.20261130120000.</summary>
    public string Version { get; }

    public string Nupkg { get; }

    internal ProcessRun Pack { get; }
}

/// <summary>Tests that consume the packed library share one pack (and run one after another).</summary>
[CollectionDefinition(Name)]
public sealed class PackedLibraryCollection : ICollectionFixture<PackedLibrary>
{
    public const string Name = "Packed library";
}
