"""A tiny message catalogue: English as written in the code, Spanish below.

The language follows the locale as gettext does: LANGUAGE, LC_ALL, LC_MESSAGES, LANG
(the first one set); anything starting with "es" is Spanish.
"""

from __future__ import annotations

import os

ES = {
    # argparse's own words (it looks them up through argparse._)
    "usage: ": "uso: ",
    "positional arguments": "argumentos posicionales",
    "options": "opciones",
    "show this help message and exit": "muestra esta ayuda y termina",
    "show program's version number and exit": "muestra la versión del programa y termina",
    "%(prog)s: error: %(message)s\n": "%(prog)s: error: %(message)s\n",
    "the following arguments are required: %s": "faltan estos argumentos: %s",
    "unrecognized arguments: %s": "argumentos no reconocidos: %s",
    "argument %(argument_name)s: %(message)s": "argumento %(argument_name)s: %(message)s",
    "invalid %(type)s value: %(value)r": "valor %(type)s no válido: %(value)r",
    "invalid choice: %(value)r (choose from %(choices)s)": "opción no válida: %(value)r (elige entre %(choices)s)",
    "expected one argument": "se esperaba un argumento",
    # hd
    "Log your #100DaysOfCode days to a Hundred Days server.": "Registra tus días de #100DaysOfCode en un servidor de Hundred Days.",
    "command": "orden",
    "Store the server address and a personal token.": "Guarda la dirección del servidor y un token personal.",
    "Forget the stored token.": "Olvida el token guardado.",
    "Log a day (today unless --date).": "Registra un día (hoy, salvo con --date).",
    "What you did, in Markdown.": "Lo que hiciste, en Markdown.",
    "A link to your work (repeatable).": "Un enlace a tu trabajo (se puede repetir).",
    "A tag (repeatable).": "Una etiqueta (se puede repetir).",
    "Minutes coded.": "Minutos programando.",
    "The date, YYYY-MM-DD (default: today).": "La fecha, AAAA-MM-DD (por defecto: hoy).",
    "Add to today's entry when it exists.": "Añade a la entrada de hoy si ya existe.",
    "Today's entry, the day and the streak.": "La entrada de hoy, el día y la racha.",
    "The current round's figures.": "Las cifras de la ronda actual.",
    "The git hook.": "El hook de git.",
    "Add a post-commit hook to this repository.": "Añade un hook post-commit a este repositorio.",
    "Remove the hook from this repository.": "Quita el hook de este repositorio.",
    "Run by the hook after a commit.": "Lo ejecuta el hook después de cada commit.",
    "Server address (default: %(url)s)": "Dirección del servidor (por defecto: %(url)s)",
    "The token (else asked for, or read from standard input).": "El token (si no, se pregunta o se lee de la entrada estándar).",
    "Server address [%(url)s]: ": "Dirección del servidor [%(url)s]: ",
    "Token (from %(url)s/account/tokens/): ": "Token (de %(url)s/account/tokens/): ",
    "Signed in as @%(handle)s on %(url)s. The token is stored in %(path)s.": "Has iniciado sesión como @%(handle)s en %(url)s. El token está guardado en %(path)s.",
    "The stored token is removed.": "El token guardado se ha borrado.",
    "No token is stored.": "No hay ningún token guardado.",
    "Not signed in: run `hd login` first.": "No has iniciado sesión: ejecuta primero `hd login`.",
    "The configuration file %(path)s cannot be read; run `hd login` again.": "No se puede leer el archivo de configuración %(path)s; vuelve a ejecutar `hd login`.",
    "The server refused the token (revoked, expired or unknown); create a new one and run `hd login`.": "El servidor rechazó el token (revocado, caducado o desconocido); crea uno nuevo y ejecuta `hd login`.",
    "Cannot reach %(url)s: %(reason)s": "No se puede conectar con %(url)s: %(reason)s",
    "The server answered %(status)s: %(detail)s": "El servidor respondió %(status)s: %(detail)s",
    "The server did not answer with JSON (status %(status)s).": "El servidor no respondió con JSON (estado %(status)s).",
    "The address must start with http:// or https://.": "La dirección debe empezar por http:// o https://.",
    "A token starts with hd_.": "Un token empieza por hd_.",
    "No token given.": "No se ha dado ningún token.",
    "The date must be YYYY-MM-DD.": "La fecha debe ser AAAA-MM-DD.",
    "You have no round yet: start one on the website.": "Aún no tienes ninguna ronda: empieza una en la web.",
    "%(date)s is already logged; edit it on the website.": "%(date)s ya está registrado; edítalo en la web.",
    "Day %(day)s is logged: %(url)s": "El día %(day)s está registrado: %(url)s",
    "Added to day %(day)s: %(url)s": "Añadido al día %(day)s: %(url)s",
    "R%(number)s · %(title)s": "R%(number)s · %(title)s",
    "Day %(day)s of %(target)s · streak %(streak)s · longest %(longest)s · missed %(missed)s": "Día %(day)s de %(target)s · racha %(streak)s · la más larga %(longest)s · perdidos %(missed)s",
    "Broke on %(date)s after %(n)s day.": "Se rompió el %(date)s tras %(n)s día.",
    "Broke on %(date)s after %(n)s days.": "Se rompió el %(date)s tras %(n)s días.",
    "Completed: %(n)s of %(target)s days.": "Completada: %(n)s de %(target)s días.",
    "Finished on %(date)s: %(n)s of %(target)s days logged.": "Terminó el %(date)s: %(n)s de %(target)s días registrados.",
    "Projected finish: %(date)s.": "Fin previsto: %(date)s.",
    "Yesterday was missed: log today to keep the round.": "Ayer no registraste nada: registra hoy para no perder la ronda.",
    "Today (%(date)s):": "Hoy (%(date)s):",
    "Nothing logged today (%(date)s) yet.": "Hoy (%(date)s) aún no has registrado nada.",
    "This is not a git repository.": "Esto no es un repositorio git.",
    "A post-commit hook already exists at %(path)s; add this line to it: %(line)s": "Ya hay un hook post-commit en %(path)s; añádele esta línea: %(line)s",
    "The hook is installed: each commit's subject goes to today's entry.": "El hook está instalado: el asunto de cada commit se añade a la entrada de hoy.",
    "The hook was already installed.": "El hook ya estaba instalado.",
    "The hook is removed.": "El hook se ha quitado.",
    "There is no hd hook in this repository.": "No hay ningún hook de hd en este repositorio.",
    "%(n)s queued lines sent.": "%(n)s líneas pendientes enviadas.",
    "Interrupted.": "Interrumpido.",
    "Ask again with a valid address: %(url)s": "Vuelve a intentarlo con una dirección válida: %(url)s",
}


def language() -> str:
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        if value:
            return "es" if value.split(":")[0].lower().startswith("es") else "en"
    return "en"


def gettext(message: str) -> str:
    if language() == "es":
        return ES.get(message, message)
    return message


def ngettext(singular: str, plural: str, n: int) -> str:  # argparse asks for it
    return gettext(singular if n == 1 else plural)
