"""factory_boy factories for core models. Tests only: production code never imports this."""

from __future__ import annotations

from datetime import date

import factory

from concord.core.markings import Tlp
from concord.core.models import Agency, Body, Country, MemberState, Notice, Role, User

TEST_PASSWORD = "correct horse battery staple"


class CountryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Country
        django_get_or_create = ("alpha2",)

    alpha2 = factory.Sequence(lambda n: f"X{chr(65 + n % 26)}")
    alpha3 = factory.LazyAttribute(lambda o: f"{o.alpha2}X")
    numeric = "999"
    name_en = factory.LazyAttribute(lambda o: f"Country {o.alpha2}")
    name_ru = factory.LazyAttribute(lambda o: f"Страна {o.alpha2}")


class MemberStateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MemberState
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"Q{chr(65 + n % 26)}")
    country = factory.SubFactory(CountryFactory, alpha2=factory.SelfAttribute("..code"))
    name_en = factory.LazyAttribute(lambda o: f"State {o.code}")
    name_ru = factory.LazyAttribute(lambda o: f"Государство {o.code}")
    official_name_en = factory.LazyAttribute(lambda o: f"Republic of {o.code}")
    official_name_ru = factory.LazyAttribute(lambda o: f"Республика {o.code}")
    name_own = factory.LazyAttribute(lambda o: o.name_ru)
    own_language = "ru"
    joined_on = date(1992, 5, 15)


class BodyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Body
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"B{n}")
    kind = Body.Kind.PERMANENT
    name_en = factory.LazyAttribute(lambda o: f"Body {o.code}")
    name_ru = factory.LazyAttribute(lambda o: f"Орган {o.code}")


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"AG-{n}")
    kind = Agency.Kind.SECURITY
    name_en = factory.LazyAttribute(lambda o: f"Agency {o.code}")
    name_ru = factory.LazyAttribute(lambda o: f"Ведомство {o.code}")
    state = factory.SubFactory(MemberStateFactory)
    body = None


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    agency = factory.SubFactory(AgencyFactory)
    role = Role.ANALYST
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def saved(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            self.save()


class NoticeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notice
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Notice {n}")
    tlp = Tlp.AMBER
    author = factory.SubFactory(UserFactory)
    owner_agency = factory.SelfAttribute("author.agency")
