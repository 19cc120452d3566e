"""Stop words: words that carry no topic in a question, per language.

Greetings and courtesy formulas are here too ("buenas tardes disculpe fijese que..."): migrants
often open with them, and they must not pull a question towards any entry.
"""

from __future__ import annotations

SPANISH = frozenset("""
a al algo alguien algun alguna algunas alguno algunos alla alli ante antes aqui aca asi aun
aunque bajo bien cada casi como con contra cual cuales cualquier cuando cuanto cuanta cuantos
cuantas de del desde donde dos durante e el ella ellas ello ellos en entonces entre era eran es
esa esas ese eso esos esta estaba estado estamos estan estar estas este esto estos estoy fue
fueron ha habia han has hasta hay he hola hace hacer hago la las le les lo los mas me mi mis
mismo mucho muchos muy nada ni no nos nosotros nuestra nuestro o os otra otro otros para pero
poco por porque pues que quien quienes se sea ser si sido siempre sin sobre solo son soy su sus
tal tambien tan tanto te tengo tiene tienen todo todos tu tus un una unas uno unos usted ustedes
va vamos van vez y ya yo hoy ahora ahorita aja ok oki okey pues bueno buena buenas buenos dias
dia tardes noches disculpe disculpa perdone perdon fijese oiga oye mire porfa favor gracias
saludos senorita senor seno joven amigo amiga hermano hermana bendiciones dios quisiera quiero
queria saber pregunta preguntar consulta duda informacion info ayuda ayudar ayudeme ayudenme
puedo puede pueden podria necesito necesita tener tenia sabe alguno ser estoy vos tenes sos pa
pal x d k eh este emm mmm uds ud usted dice dicen dijo dijeron cosa cosas algo ver hacerle hago
hace hacen le hago
""".split())

ENGLISH = frozenset("""
a about above after again all am an and any are as at be been before being below between both
but by can could did do does doing down during each few for from further had has have having he
her here hers herself him himself his how i if in into is it its itself just me more most my
myself no nor not now of off on once only or other our ours out over own same she should so some
such than that the their theirs them then there these they this those through to too under until
up very was we were what when where which while who whom why will with would you your yours
yourself hi hello hey please thanks thank pls plz ok okay hmm um uh im ive id dont doesnt cant
wanna gonna got get know want need question ask help info information tell someone thing things
also even still really just like yes yeah
""".split())

BY_LANGUAGE: dict[str, frozenset[str]] = {"es": SPANISH, "en": ENGLISH}
