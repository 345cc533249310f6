using System;
using System.IO;

namespace Nice.MLNet.Cli.Datasets;

/// <summary>Finds files of this repository (data, docs) from wherever the program runs.</summary>
public static class Repo
{
    public static string Root
    {
        get
        {
            foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
                for (var dir = new DirectoryInfo(start); dir != null; dir = dir.Parent)
                    if (System.IO.File.Exists(Path.Combine(dir.FullName, "Nice.MLNet.sln"))) return dir.FullName;
            throw new DirectoryNotFoundException("Could not find the repository root (the folder holding "
                + "Nice.MLNet.sln) above the working directory or the program.");
        }
    }

    public static string File(string relative) => Path.Combine(Root, relative);
}
