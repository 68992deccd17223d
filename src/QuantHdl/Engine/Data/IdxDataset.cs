using System.Buffers.Binary;
using System.IO.Compression;

namespace QuantHdl.Engine.Data;

/// <summary>
/// An image-classification set in the IDX format of MNIST / Fashion-MNIST: 8-bit grayscale images and 8-bit labels,
/// held in memory as raw bytes.
/// </summary>
public sealed class IdxDataset
{
    /// <summary>Where the Debian package <c>dataset-fashion-mnist</c> installs the gzipped IDX files.</summary>
    public const string DefaultDataDir = "/usr/share/datasets/fashion-mnist";

    private const int ImagesMagic = 0x00000803; // unsigned byte, 3 dimensions
    private const int LabelsMagic = 0x00000801; // unsigned byte, 1 dimension

    /// <summary>Wraps in-memory data (not copied).</summary>
    /// <param name="images">count*rows*cols pixels, image after image, row-major.</param>
    /// <param name="labels">count class indices.</param>
    /// <param name="rows">Image height.</param>
    /// <param name="cols">Image width.</param>
    /// <param name="classes">Number of classes; defaults to max(label) + 1.</param>
    /// <exception cref="DatasetException">Sizes are inconsistent or a label is out of range.</exception>
    public IdxDataset(byte[] images, byte[] labels, int rows, int cols, int? classes = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        if (rows <= 0 || cols <= 0) throw new DatasetException($"image size {rows}x{cols} is invalid; both must be positive.");
        long pix = (long)rows * cols;
        if (pix > int.MaxValue) throw new DatasetException($"image size {rows}x{cols} is too large; at most {int.MaxValue} pixels per image.");
        if (images.Length != labels.Length * pix)
            throw new DatasetException($"{labels.Length} labels need {labels.Length * pix} pixels of {rows}x{cols}, got {images.Length}.");
        int maxLabel = -1;
        foreach (var l in labels) maxLabel = Math.Max(maxLabel, l);
        int c = classes ?? maxLabel + 1;
        if (maxLabel >= c) throw new DatasetException($"label {maxLabel} is outside [0, {c - 1}] for {c} classes.");
        Images = images;
        Labels = labels;
        Count = labels.Length;
        Rows = rows;
        Cols = cols;
        Classes = c;
    }

    /// <summary>Number of samples.</summary>
    public int Count { get; }

    /// <summary>Image height.</summary>
    public int Rows { get; }

    /// <summary>Image width.</summary>
    public int Cols { get; }

    /// <summary>Pixels per image (Rows * Cols).</summary>
    public int Features => Rows * Cols;

    /// <summary>Raw pixels, Count*Rows*Cols bytes.</summary>
    public byte[] Images { get; }

    /// <summary>Class index of each sample.</summary>
    public byte[] Labels { get; }

    /// <summary>Number of classes (max label + 1 unless given).</summary>
    public int Classes { get; }

    /// <summary>The first <paramref name="count"/> samples as a new dataset (copied).</summary>
    public IdxDataset Take(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        count = Math.Min(count, Count);
        return new IdxDataset(Images.AsSpan(0, count * Features).ToArray(), Labels.AsSpan(0, count).ToArray(), Rows, Cols, Classes);
    }

    /// <summary>
    /// Loads the training (<c>train-*</c>) or test (<c>t10k-*</c>) split from <paramref name="dir"/>.
    /// Each file may be plain or gzipped (<c>.gz</c>); the plain one wins if both exist.
    /// </summary>
    /// <exception cref="DatasetException">Missing directory or file, bad magic number, truncated or oversized file,
    /// image/label count mismatch, or invalid gzip data.</exception>
    public static IdxDataset Load(string dir, bool train)
    {
        ArgumentNullException.ThrowIfNull(dir);
        if (!Directory.Exists(dir))
            throw new DatasetException($"dataset directory '{dir}' does not exist; install the Debian package dataset-fashion-mnist (files go to {DefaultDataDir}) or pass a directory holding the IDX files.");
        string prefix = train ? "train" : "t10k";
        var (imagePath, imageBytes) = ReadFile(dir, prefix + "-images-idx3-ubyte");
        var (labelPath, labelBytes) = ReadFile(dir, prefix + "-labels-idx1-ubyte");
        var (imageDims, imageOffset) = ParseHeader(imagePath, imageBytes, ImagesMagic);
        var (labelDims, labelOffset) = ParseHeader(labelPath, labelBytes, LabelsMagic);
        int count = imageDims[0], rows = imageDims[1], cols = imageDims[2];
        if (labelDims[0] != count)
            throw new DatasetException($"'{imagePath}' holds {count} images but '{labelPath}' holds {labelDims[0]} labels; the two files must come from the same split.");
        var images = imageBytes.AsSpan(imageOffset).ToArray();
        var labels = labelBytes.AsSpan(labelOffset).ToArray();
        try
        {
            return new IdxDataset(images, labels, rows, cols);
        }
        catch (DatasetException e)
        {
            throw new DatasetException($"'{imagePath}' / '{labelPath}': {e.Message}", e);
        }
    }

    private static (string Path, byte[] Bytes) ReadFile(string dir, string name)
    {
        string plain = Path.Combine(dir, name);
        if (File.Exists(plain)) return (plain, File.ReadAllBytes(plain));
        string gz = plain + ".gz";
        if (!File.Exists(gz))
            throw new DatasetException($"'{plain}' not found (nor '{gz}'); the directory must hold train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte, each optionally gzipped.");
        try
        {
            using var file = File.OpenRead(gz);
            using var unzip = new GZipStream(file, CompressionMode.Decompress);
            using var ms = new MemoryStream();
            unzip.CopyTo(ms);
            return (gz, ms.ToArray());
        }
        catch (InvalidDataException e)
        {
            throw new DatasetException($"'{gz}' is not a valid gzip file ({e.Message}); re-download or decompress it by hand.", e);
        }
        catch (EndOfStreamException e)
        {
            throw new DatasetException($"'{gz}' is truncated: the gzip stream ends early.", e);
        }
    }

    /// <summary>Checks the magic number and the size; returns the dimensions and the payload offset.</summary>
    private static (int[] Dims, int Offset) ParseHeader(string path, byte[] bytes, int expectedMagic)
    {
        if (bytes.Length < 4)
            throw new DatasetException($"'{path}' is truncated: {bytes.Length} bytes, shorter than the 4-byte magic number.");
        int magic = BinaryPrimitives.ReadInt32BigEndian(bytes);
        if (magic != expectedMagic)
            throw new DatasetException($"'{path}' has magic number 0x{magic:X8}, expected 0x{expectedMagic:X8} (unsigned bytes, {expectedMagic & 0xFF} dimensions); is it the right file, or gzipped without a .gz name?");
        int ndims = expectedMagic & 0xFF;
        int offset = 4 + 4 * ndims;
        if (bytes.Length < offset)
            throw new DatasetException($"'{path}' is truncated: {bytes.Length} bytes, shorter than its {offset}-byte header.");
        var dims = new int[ndims];
        Int128 payload = 1; // three 31-bit dimensions overflow a long
        for (int i = 0; i < ndims; i++)
        {
            dims[i] = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4 + 4 * i));
            if (dims[i] < 0) throw new DatasetException($"'{path}' declares a negative dimension {dims[i]}.");
            payload *= dims[i];
        }
        Int128 expected = offset + payload;
        if (bytes.Length < expected)
            throw new DatasetException($"'{path}' is truncated: the header [{string.Join(" x ", dims)}] needs {expected} bytes, the file has {bytes.Length}.");
        if (bytes.Length > expected)
            throw new DatasetException($"'{path}' has {bytes.Length - expected} bytes after the data declared by its header [{string.Join(" x ", dims)}].");
        return (dims, offset);
    }
}
