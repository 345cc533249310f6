using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;

namespace NotebookRunner;

/// <summary>
/// Packs src/Nice.MLNet into the repository's local feed, artifacts/packages, which notebooks/nuget.config adds as a
/// package source. Each pack gets a new version, &lt;VersionPrefix&gt;-local.&lt;UTC yyyyMMddHHmmss&gt;: NuGet keeps a
/// package by id and version in its global cache, so a rebuilt package under an old version would never be seen.
/// The notebooks ask for <c>Nice.MLNet, *-*</c> (the newest version, pre-releases included) and so take this build.
/// Older local packs are removed from the feed.
/// </summary>
internal static class LocalFeed
{
    public static string Pack(TextWriter log)
    {
        string root = RepositoryRoot();
        string feed = Path.Combine(root, "artifacts", "packages");
        string suffix = "local." + DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
        log.WriteLine($"packing src/Nice.MLNet into {feed} (version suffix {suffix})");
        var psi = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = root,
            ArgumentList =
            {
                "pack", Path.Combine("src", "Nice.MLNet", "Nice.MLNet.csproj"), "-c", "Release",
                "-o", feed, "--version-suffix", suffix, "-nologo", "-v", "quiet",
            },
        };
        using var process = Process.Start(psi)!;
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"dotnet pack exited {process.ExitCode}");
        foreach (var old in Directory.GetFiles(feed, "Nice.MLNet.*-local.*nupkg"))
            if (!old.Contains(suffix, StringComparison.Ordinal)) File.Delete(old);
        return feed;
    }

    private static string RepositoryRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir != null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Nice.MLNet.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException(
            "Could not find the repository root (the folder holding Nice.MLNet.sln) above the working directory.");
    }
}
