using System.Globalization;
using System.Text.RegularExpressions;
using QuantHdl.Reports;

namespace QuantHdl.Tests.Reports;

/// <summary>The report's SVG charts against geometry worked by hand (a 640 x 260 box, plot 180 px high from y = 28).</summary>
public class SvgChartTests
{
    private static double[] Attr(string svg, string element, string attr) =>
        Regex.Matches(svg, $"<{element} class=\"[a-z]+\"[^>]* {attr}=\"([0-9.]+)\"").Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToArray();

    [Theory]
    [InlineData(25, 25)]
    [InlineData(26, 50)]
    [InlineData(0.3, 0.5)]
    [InlineData(1001, 2000)]
    [InlineData(7, 10)]
    [InlineData(20, 20)]
    public void TheAxisTopIsTheNextOneTwoTwoAndAHalfOrFive(double max, double top) =>
        Assert.Equal(top, SvgChart.NiceCeiling(max), 9);

    [Fact]
    public void BarHeightsAreProportionalToTheValuesOnAnAxisFromZero()
    {
        // Values 10 and 25: the axis tops at 25, so the bars are 10/25 and 25/25 of 180 px.
        var svg = SvgChart.Bars("t", "T", ["a", "b"], [new SvgChart.Series("s", "#000", [10, 25])], "LUT");
        Assert.Equal(new[] { 72.0, 180.0 }, Regex.Matches(svg, "<rect class=\"bar\"[^>]*height=\"([0-9.]+)\"").Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)));
        Assert.Equal(new[] { 136.0, 28.0 }, Regex.Matches(svg, "<rect class=\"bar\" x=\"[0-9.]+\" y=\"([0-9.]+)\"").Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)));
        // A mark at 20 sits 20/25 of the way up: y = 28 + 180 - 144 = 64.
        var marked = SvgChart.Bars("t", "T", ["a", "b"], [new SvgChart.Series("s", "#000", [10, 25])], "cycles", (20, "II"));
        Assert.Contains("y1=\"64\" y2=\"64\"", marked);
    }

    [Fact]
    public void CurvePointsSitOnLogAxesAndTheChosenOneIsRinged()
    {
        // x from 10 to 1000 (two decades over 560 px), y from 1 to 100 (two decades over 180 px).
        var svg = SvgChart.Curve("c", "C", [(10, 1), (100, 10), (1000, 100)], (100, 10, "chosen"), "LUTs", "fps");
        Assert.Equal(new[] { 64.0, 344.0, 624.0 }, Attr(svg, "circle", "cx").Take(3));
        Assert.Matches("<circle class=\"point\" cx=\"64\" cy=\"208\"", svg);
        Assert.Matches("<circle class=\"point\" cx=\"624\" cy=\"28\"", svg);
        Assert.Matches("<circle class=\"chosen\" cx=\"344\" cy=\"118\"", svg);
        Assert.Single(Regex.Matches(svg, "<polyline class=\"curve\""));
    }
}
