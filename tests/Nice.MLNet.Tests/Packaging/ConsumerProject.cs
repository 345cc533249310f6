using System.IO;

namespace Nice.MLNet.Tests.Packaging;

/// <summary>
/// A fresh application that takes Nice.MLNet from the local feed, with what the README's Backends table says an
/// application adds: the CPU libtorch for this OS and ONNX Runtime's native library.
/// </summary>
internal static class ConsumerProject
{
    public static string Backend =>
        System.OperatingSystem.IsWindows() ? "libtorch-cpu-win-x64"
        : System.OperatingSystem.IsMacOS() ? "libtorch-cpu-osx-arm64"
        : "libtorch-cpu-linux-x64";

    /// <summary>Writes nuget.config (the local feed, then nuget.org) into <paramref name="dir"/>.</summary>
    public static void WriteNuGetConfig(string dir, string feed) =>
        File.WriteAllText(Path.Combine(dir, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="local" value="{feed}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
              </packageSources>
            </configuration>
            """);

    /// <summary>The package an application adds for ResNet-18 image features (it ships the model files).</summary>
    public const string ResNet18Reference =
        """<PackageReference Include="Microsoft.ML.DnnImageFeaturizer.ResNet18" Version="0.23.1" />""";

    /// <summary>An executable project referencing the packed library and the native backends (and
    /// <paramref name="extraItems"/>, e.g. <see cref="ResNet18Reference"/>).</summary>
    public static string Csproj(string version, string extraProperties = "", string extraItems = "") => $"""
        <Project Sdk="Microsoft.NET.Sdk">
          <PropertyGroup>
            <OutputType>Exe</OutputType>
            <TargetFramework>net10.0</TargetFramework>
            <Nullable>enable</Nullable>
            <NoWarn>$(NoWarn);NU1603</NoWarn>
            {extraProperties}
          </PropertyGroup>
          <ItemGroup>
            <PackageReference Include="Nice.MLNet" Version="{version}" />
            <PackageReference Include="{Backend}" Version="2.10.0" />
            <PackageReference Include="Microsoft.ML.OnnxRuntime" Version="1.31.1" />
            {extraItems}
          </ItemGroup>
        </Project>
        """;
}
