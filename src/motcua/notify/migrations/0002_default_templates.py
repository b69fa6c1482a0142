from django.db import migrations


def load_templates(apps, schema_editor):
    from motcua.notify.defaults import load

    load(apps.get_model("notify", "MessageTemplate"))


class Migration(migrations.Migration):
    dependencies = [("notify", "0001_initial")]
    operations = [migrations.RunPython(load_templates, migrations.RunPython.noop)]
