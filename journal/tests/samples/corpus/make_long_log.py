"""Write 26-long-160-days-es.md: a 160-day Spanish log shaped like a real one.

Run from this folder: ``python make_long_log.py``. The output is committed; this script
says how it was made. Days are missed now and then (every 9th and 23rd calendar day), the
labels count logged days (the official rule), some days carry thoughts and links, and the
topics follow a plausible path from HTML to a deployed Django app.
"""

import datetime

START = datetime.date(2023, 9, 4)
MONTHS = "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre".split()
WEEKDAYS = "lunes martes miércoles jueves viernes sábado domingo".split()
TOPICS = [
    ("HTML semántico", "Maqueté la página de un restaurante ficticio con header, main y footer."),
    ("CSS y cascada", "Especificidad y herencia; el selector universal me estaba rompiendo todo."),
    ("Flexbox", "Hice Flexbox Froggy entero 🐸 y ordené la barra de navegación."),
    ("Grid", "Grid Garden y una galería de fotos responsive."),
    ("JavaScript básico", "Variables, tipos y funciones; ejercicios de freeCodeCamp."),
    ("el DOM", "Un contador de clics y una lista de tareas sin framework."),
    ("fetch y promesas", "Consumí la API pública del tiempo y pinté la previsión."),
    ("Git", "Ramas, rebase interactivo y resolver conflictos sin miedo."),
    ("Python", "Listas por comprensión, diccionarios y un script para renombrar fotos."),
    ("Django", "Modelos, vistas y plantillas de la app de recetas."),
    ("tests", "Pytest y la base de datos de pruebas; primer test que falla a propósito."),
    ("despliegue", "Docker, variables de entorno y el primer despliegue real 🚀"),
]
THOUGHTS = [
    "Hoy costó concentrarse, pero salió.",
    "Leer la documentación oficial primero me ahorró mucho tiempo.",
    "Me atasqué una hora por una coma. Clásico.",
    "Muy contenta con el resultado 😊",
]


def main() -> None:
    lines = ["# 100 días de código — Registro de Inés", "", "Empecé el 4 de septiembre de 2023.", ""]
    day, offset = 0, 0
    while day < 160:
        date = START + datetime.timedelta(days=offset)
        offset += 1
        if offset % 9 == 0 or offset % 23 == 0:
            continue  # a missed day
        day += 1
        topic, progress = TOPICS[(day - 1) * len(TOPICS) // 160]
        heading = f"### Día {day}: {date.day} de {MONTHS[date.month - 1]} de {date.year} ({WEEKDAYS[date.weekday()]})"
        lines += [heading, "", f"**Progreso de hoy**: {topic} (sesión {day}). {progress}", ""]
        if day % 3 == 0:
            lines += [f"**Reflexiones**: {THOUGHTS[day % len(THOUGHTS)]}", ""]
        if day % 5 == 0:
            lines += [
                "**Enlace(s) a mi trabajo**",
                f"1. [Commit del día](https://github.com/ejemplo/cien-dias/commit/d{day:03})",
                "",
            ]
    with open("26-long-160-days-es.md", "w", encoding="utf-8") as out:
        out.write("\n".join(lines))


if __name__ == "__main__":
    main()
