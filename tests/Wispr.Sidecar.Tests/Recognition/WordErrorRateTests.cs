using Wispr.Sidecar.Recognition;
using Xunit;

namespace Wispr.Sidecar.Tests.Recognition;

public sealed class WordErrorRateTests
{
    [Fact]
    public void Identical_texts_have_no_errors()
    {
        var r = WordErrorRate.Compute("ask not what your country can do", "ask not what your country can do");

        Assert.Equal(new WordErrorRateResult(0, 0, 0, 7), r);
        Assert.Equal(0, r.Wer);
    }

    [Fact]
    public void Case_punctuation_and_spacing_are_ignored()
    {
        var r = WordErrorRate.Compute(
            "And so, my fellow Americans, ask not what your country can do for you.",
            "  and so my FELLOW americans ask not what your country can do   for you ");

        Assert.Equal(0, r.Errors);
        Assert.Equal(14, r.ReferenceWords);
    }

    [Fact]
    public void One_substitution()
    {
        var r = WordErrorRate.Compute("he was not an ill disposed young man", "he was not an ill disposed old man");

        Assert.Equal(new WordErrorRateResult(1, 0, 0, 8), r);
        Assert.Equal(1 / 8.0, r.Wer, 10);
    }

    [Fact]
    public void One_deletion()
    {
        var r = WordErrorRate.Compute("he might even have been made amiable himself", "he might have been made amiable himself");

        Assert.Equal(new WordErrorRateResult(0, 1, 0, 8), r);
    }

    [Fact]
    public void One_insertion()
    {
        var r = WordErrorRate.Compute("he was not an ill disposed young man", "he was not an ill disposed young young man");

        Assert.Equal(new WordErrorRateResult(0, 0, 1, 8), r);
    }

    [Fact]
    public void Empty_reference_and_hypothesis()
    {
        Assert.Equal(0, WordErrorRate.Compute("", "").Wer);
        Assert.Equal(0, WordErrorRate.Compute(" ... ", "").Wer);

        var insertions = WordErrorRate.Compute("", "hello there");
        Assert.Equal(new WordErrorRateResult(0, 0, 2, 0), insertions);
        Assert.Equal(1, insertions.Wer);

        var deletions = WordErrorRate.Compute("hello there", "");
        Assert.Equal(new WordErrorRateResult(0, 2, 0, 2), deletions);
        Assert.Equal(1, deletions.Wer);
    }

    [Fact]
    public void Known_example_mixes_all_three_edits()
    {
        // the cat sat→sit on +a the -mat: one substitution, one insertion, one deletion over six reference words.
        var r = WordErrorRate.Compute("the cat sat on the mat", "the cat sit on a the");

        Assert.Equal(3, r.Errors);
        Assert.Equal(0.5, r.Wer, 10);
    }

    [Fact]
    public void Wer_can_exceed_one_with_many_insertions()
    {
        var r = WordErrorRate.Compute("yes", "no no no");

        Assert.Equal(new WordErrorRateResult(1, 0, 2, 1), r);
        Assert.Equal(3, r.Wer);
    }

    [Fact]
    public void Numbers_stay_words_and_apostrophes_inside_words_are_kept()
    {
        Assert.Equal(["it's", "10", "o'clock", "don't", "stop"], WordErrorRate.Normalize("It's 10 o'clock — don't stop!"));
        Assert.Equal(1, WordErrorRate.Compute("ten", "10").Substitutions);
        Assert.Equal(["well", "known"], WordErrorRate.Normalize("well-known"));
        Assert.Equal(["café"], WordErrorRate.Normalize("Café"));
    }
}
