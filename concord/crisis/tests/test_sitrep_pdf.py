"""The sitrep's PDF, read back with pypdf: its title, its figures, the chart titles, the marking
on every page, and Russian text (DejaVu Sans, embedded) in a Russian sitrep."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from concord.crisis.models import Sitrep
from concord.crisis.tests.test_sitreps import World, build_world, request

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(kz_analyst, ru_analyst) -> World:
    return build_world(kz_analyst, ru_analyst)


def pdf_pages(sitrep: Sitrep) -> list[list[str]]:
    """The text of each page, line by line, spaces normalised."""
    reader = PdfReader(io.BytesIO(bytes(sitrep.pdf)))
    return [
        [" ".join(line.replace("\xa0", " ").split()) for line in page.extract_text().splitlines()]
        for page in reader.pages
    ]


def fonts(sitrep: Sitrep) -> set[str]:
    """The fonts the PDF uses, each embedded (a TrueType font file in the PDF)."""
    reader = PdfReader(io.BytesIO(bytes(sitrep.pdf)))
    names = set()
    for page in reader.pages:
        for reference in page["/Resources"]["/Font"].values():
            font = reference.get_object()
            assert "/FontFile2" in font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            names.add(str(font["/BaseFont"]).split("+", 1)[-1])
    return names


def test_english_pdf_has_title_figures_and_charts(
    world, kz_analyst, django_capture_on_commit_callbacks
):
    sitrep = request(django_capture_on_commit_callbacks, kz_analyst, region=world.region)

    pages = pdf_pages(sitrep)
    lines = [line for page in pages for line in page]
    assert "Northern Afghanistan, January 2025" in lines
    assert "Events: 3. Dead: 17." in lines
    assert (
        "Situation report · Period: 01.01.2025 00:00 – 01.02.2025 00:00 UTC · "
        "Region: Northern Afghanistan"
    ) in lines
    assert "Events per week" in lines  # the chart's title, drawn as text
    assert "Dead per week" in lines
    assert "Events on the map" in lines
    # The table: kz_clash on 5 January, severity 3, 7 dead (the larger of its sources' figures).
    assert "05.01.2025 kz_clash Battles Kunduz, AFG 3 7 Ministry, Open media" in lines
    assert "20.01.2025 open_protest Battles Kunduz, AFG 3 — entered by form" in lines
    # Figures by source: the national reports of two events, summed (5 + 10).
    assert "national report Ministry dead — 15 — 2" in lines
    assert "open source Open media dead — 7 — 1" in lines
    for number, page in enumerate(pages, start=1):
        assert page[-1] == f"TLP:AMBER {number} / {len(pages)}"  # the footer
        assert page[-2] == "TLP:AMBER"  # the header (extracted last)
    assert fonts(sitrep) == {"DejaVu-Sans", "DejaVu-Sans-Bold", "DejaVu-Sans-Mono-Bold"}


def test_russian_pdf_renders_cyrillic(world, kz_analyst, django_capture_on_commit_callbacks):
    sitrep = request(
        django_capture_on_commit_callbacks,
        kz_analyst,
        region=world.region,
        title="Обстановка на севере Афганистана, январь 2025",
        summary="Обстановка остаётся напряжённой.",
        language="ru",
    )

    assert sitrep.state == Sitrep.State.DONE
    text = " ".join(line for page in pdf_pages(sitrep) for line in page)
    assert "Обстановка на севере Афганистана, январь 2025" in text
    assert "Обстановка остаётся напряжённой." in text
    assert "Север Афганистана" in text  # the region's Russian name: rendered in Russian
    assert "Northern Afghanistan" not in text
