from django.db import migrations

from kehu.feedback import defaults


def load(apps, schema_editor):  # type: ignore[no-untyped-def]
    Dimension = apps.get_model("feedback", "Dimension")
    SurveyPolicy = apps.get_model("feedback", "SurveyPolicy")
    SurveyTemplate = apps.get_model("feedback", "SurveyTemplate")
    SurveyQuestion = apps.get_model("feedback", "SurveyQuestion")
    EvaluationTemplate = apps.get_model("feedback", "EvaluationTemplate")
    EvaluationIndicator = apps.get_model("feedback", "EvaluationIndicator")
    dims = {}
    for position, (code, name, name_en) in enumerate(defaults.DIMENSIONS):
        dims[code], _ = Dimension.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "position": position}
        )
    for grade, (surveys, evaluations) in defaults.POLICIES.items():
        SurveyPolicy.objects.get_or_create(
            grade=grade, defaults={"surveys_per_year": surveys, "evaluations_per_year": evaluations}
        )
    if not SurveyTemplate.objects.filter(code=defaults.SURVEY["code"]).exists():
        template = SurveyTemplate.objects.create(
            code=defaults.SURVEY["code"], name=defaults.SURVEY["name"], intro=defaults.SURVEY["intro"]
        )
        for position, (kind, text, text_en, dim) in enumerate(defaults.SURVEY["questions"]):
            SurveyQuestion.objects.create(
                template=template,
                position=position,
                kind=kind,
                text=text,
                text_en=text_en,
                dimension=dims.get(dim),
                required=kind != "text",
            )
    if not EvaluationTemplate.objects.filter(code=defaults.EVALUATION["code"]).exists():
        form = EvaluationTemplate.objects.create(code=defaults.EVALUATION["code"], name=defaults.EVALUATION["name"])
        for position, (name, weight, source) in enumerate(defaults.EVALUATION["indicators"]):
            EvaluationIndicator.objects.create(template=form, position=position, name=name, weight=weight, source=source)


class Migration(migrations.Migration):
    dependencies = [("feedback", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
