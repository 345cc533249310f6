using System.Linq;
using System.Threading.Tasks;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.CSharp;
using Microsoft.DotNet.Interactive.PackageManagement;

namespace NotebookRunner;

/// <summary>
/// The kernel a Polyglot notebook's C# cells run in, composed as dotnet-interactive composes it
/// (src/dotnet-interactive/KernelBuilder.cs): a <see cref="CompositeKernel"/> holding a <see cref="CSharpKernel"/>
/// with the <c>#r "nuget: ..."</c> / <c>#i</c> directives, the kernel helpers (<c>display</c>, <c>HTML</c>)
/// and value sharing.
/// </summary>
internal static class NotebookKernel
{
    public static CompositeKernel Create()
    {
        var csharp = new CSharpKernel()
            .UseKernelHelpers()
            .UseWho()
            .UseValueSharing();

        // What dotnet-interactive's CSharpKernel.UseNugetDirective() does: restore with NuGet, then reference the
        // restored assemblies. Native libraries are found through the restored packages' probing paths.
        csharp.UseNugetDirective((kernel, packages) =>
        {
            kernel.AddAssemblyReferences(packages.SelectMany(p => p.AssemblyPaths));
            return Task.CompletedTask;
        });

        var composite = new CompositeKernel { csharp };
        composite.DefaultKernelName = csharp.Name;
        return composite;
    }
}
