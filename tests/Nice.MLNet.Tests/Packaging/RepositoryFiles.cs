using System;
using System.IO;

namespace Nice.MLNet.Tests.Packaging;

/// <summary>Files of this repository, found from wherever the tests run (the folder holding Nice.MLNet.sln).</summary>
internal static class RepositoryFiles
{
    public static string Root { get; } = FindRoot();

    public static string Path(string relative) => System.IO.Path.Combine(Root, relative);

    private static string FindRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir != null; dir = dir.Parent)
                if (File.Exists(System.IO.Path.Combine(dir.FullName, "Nice.MLNet.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("No Nice.MLNet.sln above the working directory or the test assembly.");
    }
}
