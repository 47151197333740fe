"""The event-type taxonomy, seeded by a data migration and kept by `concord crisis_taxonomy`.

Two schemes side by side:
- Sahana Eden's incident codes (the dotted `group.type` vocabulary of its IRS module, after the
  OASIS EDXL event list): the natural and man-made hazards and crimes the Centre follows;
- ACLED's armed-conflict event types with their sub-event types (codebook 2023), under `acled.`.
Each row: code, Russian name, English name, CAP category (for the alerts the Centre issues).
A code's parent is the code without its last dotted part.
"""

from __future__ import annotations

from typing import NamedTuple


class TypeRow(NamedTuple):
    code: str
    name_ru: str
    name_en: str
    cap_category: str = ""


SAHANA: tuple[TypeRow, ...] = (
    TypeRow("crime", "Преступления", "Crime", "Security"),
    TypeRow("crime.terrorism", "Террористический акт", "Terrorism", "Security"),
    TypeRow("crime.bomb", "Взрывное устройство", "Bomb", "Security"),
    TypeRow("crime.bombExplosion", "Взрыв бомбы", "Bomb explosion", "Security"),
    TypeRow("crime.bombThreat", "Угроза взрыва", "Bomb threat", "Security"),
    TypeRow("crime.shooting", "Стрельба", "Shooting", "Security"),
    TypeRow("crime.hostageTaking", "Захват заложников", "Hostage taking", "Security"),
    TypeRow("crime.drugs", "Наркопреступление", "Drugs", "Security"),
    TypeRow("crime.illegalImmigrant", "Незаконная миграция", "Illegal immigrant", "Security"),
    TypeRow("crime.dangerousPerson", "Опасное лицо", "Dangerous person", "Security"),
    TypeRow("civil", "Гражданские беспорядки", "Civil", "Safety"),
    TypeRow("civil.demonstrations", "Демонстрации", "Demonstrations", "Safety"),
    TypeRow("civil.riot", "Массовые беспорядки", "Riot", "Safety"),
    TypeRow(
        "civil.displacedPopulations", "Перемещённое население", "Displaced populations", "Safety"
    ),
    TypeRow("civil.emergency", "Чрезвычайное положение", "Civil emergency", "Safety"),
    TypeRow("geophysical", "Геофизические", "Geophysical", "Geo"),
    TypeRow("geophysical.earthquake", "Землетрясение", "Earthquake", "Geo"),
    TypeRow("geophysical.landslide", "Оползень, сель", "Landslide", "Geo"),
    TypeRow("geophysical.avalanche", "Лавина", "Avalanche", "Geo"),
    TypeRow("geophysical.volcanicEvent", "Извержение вулкана", "Volcanic event", "Geo"),
    TypeRow("flood", "Наводнения", "Flood", "Met"),
    TypeRow("flood.flashFlood", "Паводок", "Flash flood", "Met"),
    TypeRow("flood.damOverflow", "Перелив плотины", "Dam overflow", "Infra"),
    TypeRow("flood.highWater", "Высокая вода", "High water", "Met"),
    TypeRow("flood.tsunami", "Цунами", "Tsunami", "Geo"),
    TypeRow("meteorological", "Метеорологические", "Meteorological", "Met"),
    TypeRow("meteorological.tropicalStorm", "Тропический шторм", "Tropical storm", "Met"),
    TypeRow("meteorological.hurricane", "Ураган", "Hurricane", "Met"),
    TypeRow("meteorological.drought", "Засуха", "Drought", "Met"),
    TypeRow("meteorological.dustStorm", "Пыльная буря", "Dust storm", "Met"),
    TypeRow("meteorological.blizzard", "Снежная буря", "Blizzard", "Met"),
    TypeRow("meteorological.rainFall", "Ливень", "Rainfall", "Met"),
    TypeRow("meteorological.thunderstorm", "Гроза", "Thunderstorm", "Met"),
    TypeRow("meteorological.winterStorm", "Зимний шторм", "Winter storm", "Met"),
    TypeRow("meteorological.hail", "Град", "Hail", "Met"),
    TypeRow("temperature", "Температурные", "Temperature", "Met"),
    TypeRow("temperature.heatWave", "Аномальная жара", "Heat wave", "Met"),
    TypeRow("temperature.coldWave", "Аномальный холод", "Cold wave", "Met"),
    TypeRow("wind", "Ветер", "Wind", "Met"),
    TypeRow("wind.strongWind", "Сильный ветер", "Strong wind", "Met"),
    TypeRow("fire", "Пожары", "Fire", "Fire"),
    TypeRow("fire.forestFire", "Лесной пожар", "Forest fire", "Fire"),
    TypeRow("fire.wildFire", "Природный пожар", "Wild fire", "Fire"),
    TypeRow("fire.industryFire", "Пожар на производстве", "Industry fire", "Fire"),
    TypeRow("fire.urbanFire", "Пожар в населённом пункте", "Urban fire", "Fire"),
    TypeRow("hazardousMaterial", "Опасные вещества", "Hazardous material", "CBRNE"),
    TypeRow("hazardousMaterial.chemicalHazard", "Химическая опасность", "Chemical hazard", "CBRNE"),
    TypeRow(
        "hazardousMaterial.radiologicalHazard",
        "Радиационная опасность",
        "Radiological hazard",
        "CBRNE",
    ),
    TypeRow(
        "hazardousMaterial.biologicalHazard",
        "Биологическая опасность",
        "Biological hazard",
        "CBRNE",
    ),
    TypeRow("hazardousMaterial.explosiveHazard", "Взрывоопасность", "Explosive hazard", "CBRNE"),
    TypeRow("health", "Здоровье", "Health", "Health"),
    TypeRow("health.infectiousDisease", "Инфекционное заболевание", "Infectious disease", "Health"),
    TypeRow("transport", "Транспорт", "Transport", "Transport"),
    TypeRow("transport.aircraftCrash", "Авиакатастрофа", "Aircraft crash", "Transport"),
    TypeRow("transport.railwayAccident", "Железнодорожная авария", "Railway accident", "Transport"),
    TypeRow("transport.roadwayAccident", "Дорожная авария", "Roadway accident", "Transport"),
    TypeRow("infrastructure", "Инфраструктура", "Infrastructure", "Infra"),
    TypeRow("infrastructure.powerFailure", "Отключение электроснабжения", "Power failure", "Infra"),
    TypeRow("infrastructure.buildingCollapsed", "Обрушение здания", "Building collapsed", "Infra"),
    TypeRow("infrastructure.damFailure", "Прорыв плотины", "Dam failure", "Infra"),
    TypeRow("other", "Прочие", "Other", "Other"),
    TypeRow(
        "other.unexplodedOrdnance", "Невзорвавшиеся боеприпасы", "Unexploded ordnance", "CBRNE"
    ),
    TypeRow(
        "other.searchAndRescue", "Поисково-спасательная операция", "Search and rescue", "Rescue"
    ),
    TypeRow("other.unknown", "Неизвестно", "Unknown", "Other"),
)

ACLED: tuple[TypeRow, ...] = (
    TypeRow("acled", "Вооружённый конфликт (ACLED)", "Armed conflict (ACLED)", "Security"),
    TypeRow("acled.battles", "Боестолкновения", "Battles", "Security"),
    TypeRow("acled.battles.armed_clash", "Вооружённое столкновение", "Armed clash", "Security"),
    TypeRow(
        "acled.battles.government_regains_territory",
        "Правительство восстанавливает контроль над территорией",
        "Government regains territory",
        "Security",
    ),
    TypeRow(
        "acled.battles.non_state_actor_overtakes_territory",
        "Негосударственная группа захватывает территорию",
        "Non-state actor overtakes territory",
        "Security",
    ),
    TypeRow(
        "acled.explosions",
        "Взрывы и дистанционное насилие",
        "Explosions/Remote violence",
        "Security",
    ),
    TypeRow("acled.explosions.chemical_weapon", "Химическое оружие", "Chemical weapon", "CBRNE"),
    TypeRow(
        "acled.explosions.air_drone_strike",
        "Авиа- или беспилотный удар",
        "Air/drone strike",
        "Security",
    ),
    TypeRow("acled.explosions.suicide_bomb", "Взрыв смертника", "Suicide bomb", "Security"),
    TypeRow(
        "acled.explosions.shelling_artillery_missile_attack",
        "Обстрел, артиллерийский или ракетный удар",
        "Shelling/artillery/missile attack",
        "Security",
    ),
    TypeRow(
        "acled.explosions.remote_explosive_landmine_ied",
        "Дистанционный взрыв, мина, СВУ",
        "Remote explosive/landmine/IED",
        "Security",
    ),
    TypeRow("acled.explosions.grenade", "Граната", "Grenade", "Security"),
    TypeRow(
        "acled.violence_against_civilians",
        "Насилие в отношении мирного населения",
        "Violence against civilians",
        "Security",
    ),
    TypeRow(
        "acled.violence_against_civilians.sexual_violence",
        "Сексуальное насилие",
        "Sexual violence",
        "Security",
    ),
    TypeRow("acled.violence_against_civilians.attack", "Нападение", "Attack", "Security"),
    TypeRow(
        "acled.violence_against_civilians.abduction_forced_disappearance",
        "Похищение, насильственное исчезновение",
        "Abduction/forced disappearance",
        "Security",
    ),
    TypeRow("acled.protests", "Протесты", "Protests", "Safety"),
    TypeRow("acled.protests.peaceful_protest", "Мирный протест", "Peaceful protest", "Safety"),
    TypeRow(
        "acled.protests.protest_with_intervention",
        "Протест с вмешательством властей",
        "Protest with intervention",
        "Safety",
    ),
    TypeRow(
        "acled.protests.excessive_force_against_protesters",
        "Чрезмерное применение силы против протестующих",
        "Excessive force against protesters",
        "Safety",
    ),
    TypeRow("acled.riots", "Беспорядки", "Riots", "Safety"),
    TypeRow(
        "acled.riots.violent_demonstration",
        "Насильственная демонстрация",
        "Violent demonstration",
        "Safety",
    ),
    TypeRow("acled.riots.mob_violence", "Насилие толпы", "Mob violence", "Safety"),
    TypeRow(
        "acled.strategic_developments",
        "Стратегические события",
        "Strategic developments",
        "Security",
    ),
    TypeRow("acled.strategic_developments.agreement", "Соглашение", "Agreement", "Security"),
    TypeRow("acled.strategic_developments.arrests", "Аресты", "Arrests", "Security"),
    TypeRow(
        "acled.strategic_developments.change_to_group_activity",
        "Изменение активности группы",
        "Change to group/activity",
        "Security",
    ),
    TypeRow(
        "acled.strategic_developments.disrupted_weapons_use",
        "Предотвращённое применение оружия",
        "Disrupted weapons use",
        "Security",
    ),
    TypeRow(
        "acled.strategic_developments.headquarters_or_base_established",
        "Создание штаба или базы",
        "Headquarters or base established",
        "Security",
    ),
    TypeRow(
        "acled.strategic_developments.looting_property_destruction",
        "Мародёрство, уничтожение имущества",
        "Looting/property destruction",
        "Security",
    ),
    TypeRow(
        "acled.strategic_developments.non_violent_transfer_of_territory",
        "Ненасильственная передача территории",
        "Non-violent transfer of territory",
        "Security",
    ),
    TypeRow(
        "acled.strategic_developments.other", "Прочие стратегические события", "Other", "Security"
    ),
)

# ACLED's own labels (codebook spelling) → our codes, for the importers.
ACLED_EVENT_TYPES: dict[str, str] = {
    "battles": "acled.battles",
    "explosions/remote violence": "acled.explosions",
    "violence against civilians": "acled.violence_against_civilians",
    "protests": "acled.protests",
    "riots": "acled.riots",
    "strategic developments": "acled.strategic_developments",
}


def acled_code(event_type: str, sub_event_type: str = "") -> str | None:
    """Our code for ACLED's (event_type, sub_event_type) labels; None when the type is unknown.
    An unknown sub-event type falls back to its event type."""
    parent = ACLED_EVENT_TYPES.get(event_type.strip().lower())
    if parent is None:
        return None
    if sub_event_type:
        wanted = sub_event_type.strip().lower()
        for row in ACLED:
            if row.code.startswith(parent + ".") and row.name_en.lower() == wanted:
                return row.code
    return parent


def parent_code(code: str) -> str | None:
    head, dot, _ = code.rpartition(".")
    return head if dot else None


def all_rows() -> tuple[TypeRow, ...]:
    """Every type, parents before their children."""
    return tuple(sorted(SAHANA + ACLED, key=lambda row: row.code.count(".")))
