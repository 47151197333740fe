"""The organisation as the seed document describes it (shared/reference/seed.txt), plus public facts
it relies on. Loaded by `concord demo` (see `demo.py`); an installation for another organisation
replaces this module's data, not the code.

Sources: the seed article (Zh. Imanaliyev, 2018) for the member states, bodies, the Crisis
Response Centre (2016), the Coordinating and Consulting Centre for computer incidents (2015), the
working group on Afghanistan and the Kazakh chairmanship of 2018 with its five priorities; the
Collective Security Treaty (Tashkent, 15 May 1992; Belarus acceded on 31 December 1993) for the
dates of membership. Agencies are real national bodies named for illustration; the demo does not
claim that any of them uses this system.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class StateData:
    code: str
    official_ru: str
    official_en: str
    own: str
    language: str
    capital_ru: str
    capital_en: str
    joined_on: date


TREATY = date(1992, 5, 15)

MEMBER_STATES = (
    StateData(
        "AM",
        "Республика Армения",
        "Republic of Armenia",
        "Հայաստանի Հանրապետություն",
        "hy",
        "Ереван",
        "Yerevan",
        TREATY,
    ),
    StateData(
        "BY",
        "Республика Беларусь",
        "Republic of Belarus",
        "Рэспубліка Беларусь",
        "be",
        "Минск",
        "Minsk",
        date(1993, 12, 31),
    ),
    StateData(
        "KZ",
        "Республика Казахстан",
        "Republic of Kazakhstan",
        "Қазақстан Республикасы",
        "kk",
        "Астана",
        "Astana",
        TREATY,
    ),
    StateData(
        "KG",
        "Кыргызская Республика",
        "Kyrgyz Republic",
        "Кыргыз Республикасы",
        "ky",
        "Бишкек",
        "Bishkek",
        TREATY,
    ),
    StateData(
        "RU",
        "Российская Федерация",
        "Russian Federation",
        "Российская Федерация",
        "ru",
        "Москва",
        "Moscow",
        TREATY,
    ),
    StateData(
        "TJ",
        "Республика Таджикистан",
        "Republic of Tajikistan",
        "Ҷумҳурии Тоҷикистон",
        "tg",
        "Душанбе",
        "Dushanbe",
        TREATY,
    ),
)

# Short names where the ISO name is not the one used in the organisation's documents.
SHORT_NAMES = {
    "RU": ("Россия", "Russia"),
    "KG": ("Кыргызстан", "Kyrgyzstan"),
}


@dataclass(frozen=True)
class BodyData:
    code: str
    kind: str
    name_ru: str
    name_en: str
    short_ru: str
    short_en: str
    parent: str | None = None
    established_year: int | None = None
    description_ru: str = ""
    description_en: str = ""


BODIES = (
    BodyData(
        "CSC",
        "statutory",
        "Совет коллективной безопасности",
        "Collective Security Council",
        "СКБ",
        "CSC",
        description_ru="Высший орган Организации; главы государств-членов.",
        description_en="The highest body of the Organisation: the heads of the member states.",
    ),
    BodyData(
        "CFM",
        "statutory",
        "Совет министров иностранных дел",
        "Council of Foreign Ministers",
        "СМИД",
        "CFM",
        description_ru="Министры иностранных дел; собирается несколько раз в год.",
        description_en="Ministers of foreign affairs; meets several times a year.",
    ),
    BodyData(
        "CMD",
        "statutory",
        "Совет министров обороны",
        "Council of Defence Ministers",
        "СМО",
        "CMD",
        description_ru="Министры обороны; собирается раз в полгода.",
        description_en="Ministers of defence; meets every six months.",
    ),
    BodyData(
        "CSSC",
        "statutory",
        "Комитет секретарей советов безопасности",
        "Committee of Secretaries of Security Councils",
        "КССБ",
        "CSSC",
        description_ru="Секретари советов безопасности; собирается раз в полгода.",
        description_en="Secretaries of the security councils; meets every six months.",
    ),
    BodyData(
        "PC",
        "permanent",
        "Постоянный совет",
        "Permanent Council",
        "ПС",
        "PC",
        description_ru="Полномочные постоянные представители государств-членов.",
        description_en="The authorised permanent representatives of the member states.",
    ),
    BodyData(
        "SEC",
        "permanent",
        "Секретариат",
        "Secretariat",
        "Секретариат",
        "Secretariat",
        description_ru="Постоянно действующий рабочий орган; Генеральный секретарь.",
        description_en="Permanent working body, headed by the Secretary-General.",
    ),
    BodyData(
        "JS",
        "permanent",
        "Объединённый штаб",
        "Joint Staff",
        "ОШ",
        "JS",
        description_ru="Постоянно действующий рабочий орган по военным вопросам.",
        description_en="Permanent working body for military matters.",
    ),
    BodyData(
        "CRC",
        "centre",
        "Кризисный центр",
        "Crisis Response Centre",
        "КЦ",
        "CRC",
        established_year=2016,
        description_ru="Информационно-аналитическое, организационное и техническое "
        "обеспечение решений уставных органов при реагировании на кризисы, "
        "включая стихийные бедствия и техногенные катастрофы.",
        description_en="Information, analytical, organisational and technical support for "
        "the statutory bodies' decisions on emerging crises, including "
        "natural and man-made disasters.",
    ),
    BodyData(
        "CCC-CI",
        "centre",
        "Консультационно-координационный центр по вопросам реагирования на компьютерные инциденты",
        "Coordinating and Consulting Centre to Respond to Computer Incidents",
        "ККЦ",
        "CCC",
        established_year=2015,
        description_ru="Площадка, на которой государства-члены сотрудничают и координируют "
        "действия по реагированию на компьютерные инциденты.",
        description_en="The platform on which the member states cooperate and coordinate their "
        "response to computer incidents.",
    ),
    BodyData(
        "WG-AFG",
        "working_group",
        "Рабочая группа по Афганистану при СМИД",
        "Working Group on Afghanistan under the Council of Foreign Ministers",
        "РГА",
        "WGA",
        parent="CFM",
        description_ru="Отслеживает обстановку в Афганистане, прежде всего на севере, "
        "и готовит рекомендации для уставных органов.",
        description_en="Tracks the situation in Afghanistan, first of all in the north, and "
        "prepares recommendations for the statutory bodies.",
    ),
)


@dataclass(frozen=True)
class AgencyData:
    code: str
    kind: str
    name_ru: str
    name_en: str
    state: str | None = None
    body: str | None = None


AGENCIES = (
    AgencyData(
        "AM-NSS",
        "security",
        "Служба национальной безопасности Республики Армения",
        "National Security Service of the Republic of Armenia",
        state="AM",
    ),
    AgencyData("AM-CERT", "cert", "CERT AM", "CERT AM", state="AM"),
    AgencyData(
        "BY-KGB",
        "security",
        "Комитет государственной безопасности Республики Беларусь",
        "State Security Committee of the Republic of Belarus",
        state="BY",
    ),
    AgencyData(
        "BY-CERT",
        "cert",
        "Национальный центр реагирования на компьютерные инциденты",
        "National Computer Emergency Response Team (CERT.BY)",
        state="BY",
    ),
    AgencyData(
        "KZ-KNB",
        "security",
        "Комитет национальной безопасности Республики Казахстан",
        "National Security Committee of the Republic of Kazakhstan",
        state="KZ",
    ),
    AgencyData(
        "KZ-CERT",
        "cert",
        "Служба реагирования на компьютерные инциденты KZ-CERT",
        "KZ-CERT Computer Emergency Response Team",
        state="KZ",
    ),
    AgencyData(
        "KG-GKNB",
        "security",
        "Государственный комитет национальной безопасности Кыргызской Республики",
        "State Committee for National Security of the Kyrgyz Republic",
        state="KG",
    ),
    AgencyData(
        "KG-CERT",
        "cert",
        "Центр реагирования на компьютерные инциденты Кыргызской Республики CERT-KG",
        "CERT-KG Computer Incident Response Centre of the Kyrgyz Republic",
        state="KG",
    ),
    AgencyData(
        "KG-MVD",
        "drug_control",
        "Служба по борьбе с наркопреступностью МВД Кыргызской Республики",
        "Drug Crime Control Service, Ministry of Internal Affairs of the Kyrgyz Republic",
        state="KG",
    ),
    AgencyData(
        "RU-FSB",
        "security",
        "Федеральная служба безопасности Российской Федерации",
        "Federal Security Service of the Russian Federation",
        state="RU",
    ),
    AgencyData(
        "RU-NCCCI",
        "cert",
        "Национальный координационный центр по компьютерным инцидентам",
        "National Coordination Centre for Computer Incidents",
        state="RU",
    ),
    AgencyData(
        "TJ-GKNB",
        "security",
        "Государственный комитет национальной безопасности Республики Таджикистан",
        "State Committee for National Security of the Republic of Tajikistan",
        state="TJ",
    ),
    AgencyData(
        "TJ-CERT",
        "cert",
        "Центр реагирования на компьютерные инциденты Республики Таджикистан TJ-CERT",
        "TJ-CERT Computer Emergency Response Team of the Republic of Tajikistan",
        state="TJ",
    ),
    AgencyData(
        "TJ-DCA",
        "drug_control",
        "Агентство по контролю за наркотиками при Президенте Республики Таджикистан",
        "Drug Control Agency under the President of the Republic of Tajikistan",
        state="TJ",
    ),
    AgencyData("SEC", "body_unit", "Секретариат ОДКБ", "CSTO Secretariat", body="SEC"),
    AgencyData("JS", "body_unit", "Объединённый штаб ОДКБ", "CSTO Joint Staff", body="JS"),
    AgencyData(
        "CRC", "body_unit", "Кризисный центр ОДКБ", "CSTO Crisis Response Centre", body="CRC"
    ),
    AgencyData(
        "CCC-CI",
        "body_unit",
        "ККЦ по вопросам реагирования на компьютерные инциденты",
        "Coordinating and Consulting Centre for Computer Incidents",
        body="CCC-CI",
    ),
)

# The state's lead agency: where the demo analyst and coordinator of each state work.
LEAD_AGENCY = {
    "AM": "AM-NSS",
    "BY": "BY-KGB",
    "KZ": "KZ-KNB",
    "KG": "KG-GKNB",
    "RU": "RU-FSB",
    "TJ": "TJ-GKNB",
}


@dataclass(frozen=True)
class ChairmanshipData:
    year: int
    state: str
    decided_on: date
    decided_at_ru: str
    decided_at_en: str
    priorities: tuple[tuple[str, str], ...]


CHAIRMANSHIPS = (
    ChairmanshipData(
        2018,
        "KZ",
        date(2017, 11, 30),
        "Юбилейная сессия Совета коллективной безопасности, Минск",
        "Anniversary session of the Collective Security Council, Minsk",
        (
            (
                "Расширение инструментов взаимодействия в военной сфере",
                "Expansion of interaction instruments in the military sphere",
            ),
            (
                "Организация практического военно-технического сотрудничества",
                "Organisation of practical military and technical cooperation",
            ),
            (
                (
                    "Участие ОДКБ в построении международной глобальной системы "
                    "противодействия терроризму"
                ),
                (
                    "CSTO participation in building an international global system for "
                    "countering terrorism"
                ),
            ),
            (
                "Совместное реагирование государств-членов на угрозы кибербезопасности",
                "Joint responses of member states to cybersecurity threats",
            ),
            (
                "Повышение эффективности мер противодействия незаконному обороту наркотиков",
                "Increasing the effectiveness of measures to counter illicit drug trafficking",
            ),
        ),
    ),
)
