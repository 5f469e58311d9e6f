"""“Sådan går det” readable by a relative: one plain sentence per target, “7 ud af 10” from the share.

The rule (surveys.labels.out_of_ten): tenths rounded half up, as the percentages are; but a share above 0 is
never “0 ud af 10” and one below 100 % never “10 ud af 10”; a hidden group says it is hidden, with no figure.
"""

from dataclasses import replace
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from surveys.labels import VERDICT_SENTENCES, out_of_ten, plain_sentence
from surveys.presentation import total_verdict
from surveys.results import TOTAL, headline_results
from surveys.scoring import TargetStatus, verdict
from surveys.suppression import Hidden
from tests.scenarios import demo_results


@pytest.mark.parametrize(
    ("share", "expected"),
    [
        (0.0, "0 ud af 10"),
        (0.001, "under 1 ud af 10"),
        (0.049, "under 1 ud af 10"),
        (0.05, "1 ud af 10"),
        (0.65, "7 ud af 10"),
        (0.649, "6 ud af 10"),
        (0.7, "7 ud af 10"),
        (0.949, "9 ud af 10"),
        (0.95, "næsten 10 ud af 10"),
        (0.999, "næsten 10 ud af 10"),
        (1.0, "10 ud af 10"),
    ],
)
def test_a_share_is_told_as_so_many_out_of_ten(share, expected):
    assert out_of_ten(share) == expected


def test_the_sentence_asks_answers_and_names_the_target():
    sentence = plain_sentence(question="Oplever du at blive mødt med respekt?", share=0.7, hidden=None, target=0.75)
    assert sentence == (
        "Hvor mange pårørende svarer positivt på “Oplever du at blive mødt med respekt”? "
        "7 ud af 10. Målet er 75\u00a0%."
    )


@pytest.mark.parametrize(
    ("status", "said"),
    [
        (TargetStatus.MET, "Målet er nået."),
        (TargetStatus.NOT_MET, "Målet er ikke nået."),
        (TargetStatus.UNDECIDED, "Vi kan endnu ikke sige, om målet er nået."),
    ],
)
def test_whether_the_target_is_met_is_the_verdicts(status, said):
    found = verdict(status=status, on_track=None, has_baseline=True, deadline=None, today=timezone.localdate())
    sentence = plain_sentence(question="Mødt med respekt?", share=0.7, hidden=None, target=0.75, verdict=found)
    assert sentence.endswith("Målet er 75\u00a0%. " + said)
    hidden = plain_sentence(question="Mødt med respekt?", share=None, hidden=Hidden.SMALL, target=0.75, verdict=found)
    assert said not in hidden


def test_a_hidden_group_gets_no_figure_in_the_sentence():
    sentence = plain_sentence(question="Mødt med respekt?", share=None, hidden=Hidden.SMALL, target=0.75)
    assert "ud af 10" not in sentence and "færre end 5 svar" in sentence
    assert plain_sentence(question="Mødt med respekt?", share=None, hidden=None, target=None).endswith(
        "Ingen svar endnu."
    )


def test_the_public_page_has_a_sentence_per_target_and_what_counts_as_positive(client, municipality):
    demo = demo_results(municipality, timezone.localdate())
    html = unescape(client.get(reverse("surveys:how-it-goes", args=[municipality.slug])).text)
    results = headline_results(municipality)
    latest = demo["waves"][1]
    for indicator in results.indicators:
        total = results.get(indicator, latest, TOTAL)
        assert out_of_ten(total.share) + "." in html
        found = total_verdict(indicator, total)
        assert found.status is not None
        assert str(VERDICT_SENTENCES[found.status]) in html
    assert html.count('class="results-sentence') == len(results.indicators)
    assert "Tæller som positivt svar: “I meget høj grad” eller “I høj grad”." in html
    assert html.index("results-sentence") < html.index("bar-chart") < html.index("results-table")
    assert "trend-chart" not in html  # the dashboard's wide chart is not the public page's


def test_the_bars_show_each_wave_its_interval_and_the_target_and_say_why_a_wave_has_no_bar(municipality):
    from surveys.charts import BAR_PLOT, bar_chart

    demo = demo_results(municipality, timezone.localdate())
    results = headline_results(municipality)
    indicator = demo["indicators"]["respect"]
    trend = results.trend(indicator)
    chart = bar_chart("bars", "Mødt med respekt", trend, 0.75)
    assert [bar.label for bar in chart.bars] == [result.wave.name for result in trend]
    for bar, result in zip(chart.bars, trend, strict=True):
        assert bar.shown is result.shown
        if result.shown:
            assert float(bar.width) == pytest.approx(result.share * BAR_PLOT, abs=0.1)
            assert float(bar.low) <= float(bar.width) <= float(bar.high)
    assert chart.target_x == "210" and chart.target_label == "Mål 75\u00a0%"
    hidden = bar_chart("bars", "x", [replace(trend[0], figure=None, hidden=Hidden.SMALL)], None)
    assert hidden.bars[0].shown is False and hidden.bars[0].note == "skjult" and hidden.target_x == ""
