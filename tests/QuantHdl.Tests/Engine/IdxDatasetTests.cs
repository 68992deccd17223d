using System.Buffers.Binary;
using System.IO.Compression;
using QuantHdl.Engine.Data;
using Xunit;

namespace QuantHdl.Tests.Engine;

public sealed class IdxDatasetTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "quanthdl-idx-" + Guid.NewGuid().ToString("N"));

    public IdxDatasetTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    internal static byte[] Idx(int magic, int[] dims, byte[] payload)
    {
        var bytes = new byte[4 + 4 * dims.Length + payload.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, magic);
        for (int i = 0; i < dims.Length; i++) BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * i), dims[i]);
        payload.CopyTo(bytes, 4 + 4 * dims.Length);
        return bytes;
    }

    private static byte[] Gzip(byte[] data)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest)) gz.Write(data);
        return ms.ToArray();
    }

    /// <summary>Writes a split of <paramref name="count"/> 2x3 images whose pixel j of image i is 10*i + j, label i % 4.</summary>
    private void WriteSplit(string prefix, int count, bool gz, int labelCount = -1)
    {
        var pixels = new byte[count * 6];
        for (int i = 0; i < count; i++) for (int j = 0; j < 6; j++) pixels[i * 6 + j] = (byte)(10 * i + j);
        if (labelCount < 0) labelCount = count;
        var labels = new byte[labelCount];
        for (int i = 0; i < labelCount; i++) labels[i] = (byte)(i % 4);
        var img = Idx(0x803, new[] { count, 2, 3 }, pixels);
        var lab = Idx(0x801, new[] { labelCount }, labels);
        File.WriteAllBytes(Path.Combine(_dir, $"{prefix}-images-idx3-ubyte" + (gz ? ".gz" : "")), gz ? Gzip(img) : img);
        File.WriteAllBytes(Path.Combine(_dir, $"{prefix}-labels-idx1-ubyte" + (gz ? ".gz" : "")), gz ? Gzip(lab) : lab);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void LoadsPlainAndGzipped(bool gz)
    {
        WriteSplit("train", 9, gz);
        WriteSplit("t10k", 5, gz);
        var train = IdxDataset.Load(_dir, train: true);
        Assert.Equal(9, train.Count);
        Assert.Equal(2, train.Rows);
        Assert.Equal(3, train.Cols);
        Assert.Equal(4, train.Classes);
        Assert.Equal((byte)53, train.Images[5 * 6 + 3]);
        Assert.Equal((byte)1, train.Labels[5]);
        Assert.Equal(5, IdxDataset.Load(_dir, train: false).Count);
    }

    [Fact]
    public void MissingDirectory()
    {
        var ex = Assert.Throws<DatasetException>(() => IdxDataset.Load(Path.Combine(_dir, "nope"), true));
        Assert.Contains("nope", ex.Message);
        Assert.Contains("does not exist", ex.Message);
    }

    [Fact]
    public void MissingFile()
    {
        WriteSplit("train", 3, false);
        File.Delete(Path.Combine(_dir, "train-labels-idx1-ubyte"));
        var ex = Assert.Throws<DatasetException>(() => IdxDataset.Load(_dir, true));
        Assert.Contains("train-labels-idx1-ubyte", ex.Message);
        Assert.Contains("not found", ex.Message);
    }

    [Fact]
    public void BadMagic()
    {
        WriteSplit("train", 3, false);
        File.WriteAllBytes(Path.Combine(_dir, "train-images-idx3-ubyte"), Idx(0x801, new[] { 3 }, new byte[3]));
        var ex = Assert.Throws<DatasetException>(() => IdxDataset.Load(_dir, true));
        Assert.Contains("train-images-idx3-ubyte", ex.Message);
        Assert.Contains("magic number 0x00000801", ex.Message);
    }

    [Fact]
    public void TruncatedPayload()
    {
        WriteSplit("train", 3, false);
        var path = Path.Combine(_dir, "train-images-idx3-ubyte");
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^4]);
        var ex = Assert.Throws<DatasetException>(() => IdxDataset.Load(_dir, true));
        Assert.Contains("train-images-idx3-ubyte", ex.Message);
        Assert.Contains("truncated", ex.Message);
    }

    [Fact]
    public void TruncatedHeader()
    {
        WriteSplit("train", 3, false);
        File.WriteAllBytes(Path.Combine(_dir, "train-labels-idx1-ubyte"), new byte[] { 0, 0, 8, 1, 0 });
        var ex = Assert.Throws<DatasetException>(() => IdxDataset.Load(_dir, true));
        Assert.Contains("train-labels-idx1-ubyte", ex.Message);
        Assert.Contains("truncated", ex.Message);
    }

    [Fact]
    public void TruncatedGzip()
    {
        WriteSplit("train", 50, true);
        var path = Path.Combine(_dir, "train-images-idx3-ubyte.gz");
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var ex = Assert.Throws<DatasetException>(() => IdxDataset.Load(_dir, true));
        Assert.Contains("train-images-idx3-ubyte.gz", ex.Message);
        Assert.Contains("truncated", ex.Message);
    }

    [Fact]
    public void CorruptGzip()
    {
        WriteSplit("train", 3, false);
        File.Delete(Path.Combine(_dir, "train-images-idx3-ubyte"));
        File.WriteAllBytes(Path.Combine(_dir, "train-images-idx3-ubyte.gz"), new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20 });
        var ex = Assert.Throws<DatasetException>(() => IdxDataset.Load(_dir, true));
        Assert.Contains("train-images-idx3-ubyte.gz", ex.Message);
    }

    [Fact]
    public void CountMismatch()
    {
        WriteSplit("train", 4, false, labelCount: 3);
        var ex = Assert.Throws<DatasetException>(() => IdxDataset.Load(_dir, true));
        Assert.Contains("4 images", ex.Message);
        Assert.Contains("3 labels", ex.Message);
    }

    [Fact]
    public void LoaderBatchesAreDeterministicAndScaled()
    {
        WriteSplit("train", 10, false);
        var ds = IdxDataset.Load(_dir, true);
        List<(float[] X, int[] L, int C)> Epochs(int seed, int epochs)
        {
            var loader = new DataLoader(ds, 4, shuffle: true, seed: seed);
            var list = new List<(float[], int[], int)>();
            for (int e = 0; e < epochs; e++)
                foreach (var b in loader) list.Add((b.X.Data.ToArray(), b.Labels.ToArray(), b.Count));
            return list;
        }
        var a = Epochs(7, 2);
        var b = Epochs(7, 2);
        Assert.Equal(6, a.Count);
        Assert.Equal(new[] { 4, 4, 2, 4, 4, 2 }, a.Select(t => t.C));
        for (int i = 0; i < a.Count; i++) { Assert.Equal(a[i].X, b[i].X); Assert.Equal(a[i].L, b[i].L); }
        Assert.NotEqual(a[0].L.Concat(a[1].L), a[3].L.Concat(a[4].L)); // epochs differ

        // Every sample appears once per epoch, with x = pixel / 255f and the matching label.
        var seen = new HashSet<int>();
        foreach (var (x, l, c) in a.Take(3))
            for (int r = 0; r < c; r++)
            {
                int id = (int)Math.Round(x[r * 6] * 255f / 10f);
                Assert.True(seen.Add(id));
                Assert.Equal(id % 4, l[r]);
                for (int j = 0; j < 6; j++) Assert.Equal((10 * id + j) / 255f, x[r * 6 + j]);
            }
        Assert.Equal(10, seen.Count);
    }

    [Fact]
    public void EveryByteValueScalesExactly()
    {
        // 17x17 = 289 pixels: exercises the 64-byte vector path and the scalar tail.
        var images = new byte[3 * 289];
        for (int i = 0; i < images.Length; i++) images[i] = (byte)(i * 7);
        var ds = new IdxDataset(images, new byte[] { 0, 1, 2 }, 17, 17);
        var batch = new DataLoader(ds, 3, shuffle: false, seed: 0).First();
        for (int i = 0; i < images.Length; i++) Assert.Equal(images[i] / 255f, batch.X.Data[i]);
    }

    [Fact]
    public void UnshuffledLoaderKeepsOrder()
    {
        WriteSplit("train", 5, false);
        var loader = new DataLoader(IdxDataset.Load(_dir, true), 2, shuffle: false, seed: 0);
        Assert.Equal(3, loader.BatchCount);
        Assert.Equal(new[] { 0, 1, 2, 3, 0 }, loader.SelectMany(b => b.Labels.Take(b.Count).ToArray()).ToArray());
    }

    [Fact]
    public void FashionMnistIsInstalled()
    {
        // scripts/setup.sh installs dataset-fashion-mnist; a machine without it must fail here, not skip.
        Assert.True(Directory.Exists(IdxDataset.DefaultDataDir), $"{IdxDataset.DefaultDataDir} is missing; run scripts/setup.sh (Debian package dataset-fashion-mnist)");
        var test = IdxDataset.Load(IdxDataset.DefaultDataDir, train: false);
        Assert.Equal(10000, test.Count);
        Assert.Equal(28, test.Rows);
        Assert.Equal(28, test.Cols);
        Assert.Equal(10, test.Classes);
    }
}
