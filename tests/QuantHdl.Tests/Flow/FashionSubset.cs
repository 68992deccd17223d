using System.Buffers.Binary;
using QuantHdl.Engine.Data;

namespace QuantHdl.Tests.Flow;

/// <summary>Writes a small Fashion-MNIST subset as IDX files, once per test run, for fast end-to-end tests.</summary>
internal static class FashionSubset
{
    private static readonly Lazy<string> Dir = new(Create);

    /// <summary>A directory with 6000 training and 1000 test images.</summary>
    public static string Path => Dir.Value;

    private static string Create()
    {
        var dir = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"quanthdl-fmnist-subset-{Environment.ProcessId}");
        Directory.CreateDirectory(dir);
        Write(dir, "train", IdxDataset.Load(IdxDataset.DefaultDataDir, train: true).Take(6000));
        Write(dir, "t10k", IdxDataset.Load(IdxDataset.DefaultDataDir, train: false).Take(1000));
        return dir;
    }

    private static void Write(string dir, string prefix, IdxDataset ds)
    {
        var img = new byte[16 + ds.Images.Length];
        BinaryPrimitives.WriteInt32BigEndian(img.AsSpan(0), 0x0803);
        BinaryPrimitives.WriteInt32BigEndian(img.AsSpan(4), ds.Count);
        BinaryPrimitives.WriteInt32BigEndian(img.AsSpan(8), ds.Rows);
        BinaryPrimitives.WriteInt32BigEndian(img.AsSpan(12), ds.Cols);
        ds.Images.CopyTo(img, 16);
        File.WriteAllBytes(System.IO.Path.Combine(dir, $"{prefix}-images-idx3-ubyte"), img);
        var lab = new byte[8 + ds.Labels.Length];
        BinaryPrimitives.WriteInt32BigEndian(lab.AsSpan(0), 0x0801);
        BinaryPrimitives.WriteInt32BigEndian(lab.AsSpan(4), ds.Count);
        ds.Labels.CopyTo(lab, 8);
        File.WriteAllBytes(System.IO.Path.Combine(dir, $"{prefix}-labels-idx1-ubyte"), lab);
    }
}
