/**
 * Per-language word lists for the offline sentiment analyzer (core/sentiment.ts), written for
 * this project for customer feedback (delivery, support, price, quality, apps). Valences follow
 * VADER's −4..+4 scale. A word ending in `*` matches every word it starts ("enttausch*": enttäuscht,
 * enttäuschend); words joined by `_` form a phrase. Entries are folded (lower case, no diacritics).
 * English starts from VADER's own lexicon (vader-sentiment, MIT, Hutto & Gilbert 2014) and adds the
 * feedback vocabulary VADER lacks ("broke", "stopped working", "hung up on").
 */
import { lexicon as vaderLexicon } from "vader-sentiment/src/vader_lexicon.js";
import type { Language } from "./language";

export interface LanguageRules {
  /** word or phrase → valence */
  valence: Map<string, number>;
  /** Words that flip the sentiment of the next few words ("not", "kein", "jamais"). */
  negations: Set<string>;
  /** Word → added intensity (positive boosts, negative dampens). */
  intensifiers: Map<string, number>;
  /** "but": what follows weighs more than what precedes. */
  contrasts: Set<string>;
  /** "although": the clause it opens weighs less. */
  concessions: Set<string>;
  /** Words that, after a short positive opener, mark it as sarcasm ("Great, another update…"). */
  repetitions: Set<string>;
  /** Negations that follow the verb they negate ("funktioniert nicht", "werkt niet"). */
  negationsAfter: Set<string>;
  /** Words a sarcastic opener may hold besides its praise ("oh", "yeah"). */
  interjections: Set<string>;
}

/** `{ 3: "a b*", -2: "c_d" }` → entries, keeping `*` and `_` for the matcher. */
const graded = (groups: Record<number, string>): [string, number][] =>
  Object.entries(groups).flatMap(([valence, list]) =>
    list
      .trim()
      .split(/\s+/)
      .map((entry): [string, number] => [entry, Number(valence)]),
  );
const set = (list: string) => new Set(list.trim().split(/\s+/));

const BOOST = 0.293;
/** Intensifiers share VADER's increment; dampeners its decrement. */
const intensity = (boosts: string, dampeners: string) =>
  new Map(
    [...set(boosts)].map((w): [string, number] => [w, BOOST]).concat([...set(dampeners)].map((w) => [w, -BOOST])),
  );

const ENGLISH_FEEDBACK = graded({
  // Names of things in customer feedback, not opinions ("contacted support", "asked for help").
  0: "support help care",
  3: "five_stars flawless exceeded_expectations exceeded_all_my_expectations above_and_beyond in_a_heartbeat",
  2: "works_perfectly works_great well_made highly_recommend sorted_it a_breeze like_butter premium sturdy reliable intuitive",
  1.5: "does_the_job does_exactly_what on_time arrived_early fairly_priced true_to_size sorted compliments",
  1: "works fast quick smooth solid",
  "-1": "too_high waited still_waiting slow late overpriced flimsy stiff loud thin wet hold tight",
  "-1.5":
    "expensive took_forever took_longer missing returned return_label on_hold leaks leaking cracked scratches buggy chipped drains disconnecting send_it_back doubt",
  "-2": "broke broken defective faulty damaged crashes crashing crashed died dead_pixel not_as_described nothing_like charged_twice logs_me_out transferred_twice fell_apart coming_apart",
  "-2.5":
    "stopped_working stopped_charging hung_up never_again waste_of_time waste_of_money dont_buy do_not_buy dont_waste junk rip_off ripoff barely_works",
  "-3": "thanks_for_nothing worst_experience total_junk complete_waste",
});

const RULES: Record<Language, Omit<LanguageRules, "valence"> & { entries: [string, number][] }> = {
  en: {
    entries: ENGLISH_FEEDBACK,
    negations: set(
      "not no never nothing nobody none neither nor without t cannot dont doesnt didnt isnt wasnt arent werent wont wouldnt cant couldnt shouldnt havent hasnt hadnt aint",
    ),
    intensifiers: intensity(
      "absolutely amazingly awfully completely considerably decidedly deeply enormously entirely especially exceptionally extremely fabulously flipping fully greatly highly hugely incredibly intensely majorly more most particularly purely quite really remarkably so substantially super thoroughly too totally tremendously uber unbelievably unusually utterly very way",
      "almost barely hardly kind kinda less little marginally occasionally partly scarcely slightly somewhat sort sorta bit",
    ),
    contrasts: set("but however yet though"),
    concessions: set("although while whilst"),
    repetitions: set("another again yet"),
    negationsAfter: new Set(),
    interjections: set("oh yeah wow"),
  },
  de: {
    entries: graded({
      3: "ausgezeichnet* hervorragend* perfekt* grossartig* fantastisch* exzellent* begeistert* genial* traumhaft* uberragend* liebe lieben bestens top funf_sterne",
      2: "gut gute guter gutes hilfreich* toll* super schone einfach_zu_bedienen freundlich* zufrieden* empfehl* empfehlenswert kompetent* hilfsbereit* nett* gefallt gefallen klasse prima problemlos* zuverlassig* dank danke vielen_dank gerne_wieder ubersichtlich* intuitiv* sauber* angenehm* lob*",
      1: "schnell* fair* gunstig* passt funktioniert klar* puenktlich punktlich* rechtzeitig",
      "-1": "warte* zu_hoch langsam* teuer* leider spat* verspat* umstandlich* kompliziert* laut",
      "-2": "schlecht* kaputt* defekt* beschadigt* enttausch* unfreundlich* ärger arger* fehlt fehlte falsch* unmoglich* nervig* nervt* zerkratzt* abgesturzt sturzt sturzt_ab absturz* problem* mangel* reklamation* unzufrieden* wartezeit* fehler* unbrauchbar* aufgelegt* ewig doppelt_abgebucht entspricht_nicht",
      "-3": "katastrophe* katastrophal* miserabel* schrecklich* furchtbar* grauenhaft* schlimm* schlechteste* betrug* frechheit* nie_wieder nicht_empfehlenswert",
    }),
    negations: set("nicht kein keine keinen keinem keiner keines nie niemals nichts niemand ohne weder nirgends"),
    intensifiers: intensity(
      "sehr total extrem absolut wirklich echt richtig vollig viel so besonders unglaublich ausserst zu uberaus komplett hochst",
      "etwas kaum leicht bisschen eher ziemlich",
    ),
    contrasts: set("aber jedoch doch allerdings trotzdem dennoch sondern"),
    concessions: set("obwohl obgleich wenngleich"),
    repetitions: set("wieder schon_wieder noch_ein noch_eine"),
    negationsAfter: set("nicht"),
    interjections: set("oh na ja"),
  },
  fr: {
    entries: graded({
      3: "excellent* parfait* parfaitement genial* fantastique* extraordinaire* formidable* adore adorer impeccable* cinq_etoiles merveilleu*",
      2: "bien bon bonne bons bonnes super aimable* sympa* sympathique* satisfait* content* recommande recommander efficace* competent* agreable* merci clair* intuitif* rapide* ravi* top conforme* soigne* facile*",
      1: "correct* avance* sans_probleme correspond*",
      "-1": "mal trop_eleve trop_eleves lent* cher chere chers retard* complique* ralenti* ralentit attente",
      "-2": "mauvais* decu* decevant* abime* endommage* panne* casse* probleme* manque* manquait impoli* desagreable* raye* plante inadmissible* inacceptable* erreur* insatisfait* nul nulle arnaque* raccroche* debite_deux_fois",
      "-1.5": "pas_terrible impossible*",
      "-3": "catastrophe* catastrophique* lamentable* horrible* deplorable* pire mediocre* plus_jamais affreu* scandal*",
    }),
    negations: set("ne n pas jamais rien aucun aucune sans ni"),
    intensifiers: intensity(
      "tres trop vraiment tellement extremement absolument super hyper totalement beaucoup completement incroyablement si vachement",
      "peu assez plutot legerement",
    ),
    contrasts: set("mais cependant pourtant toutefois neanmoins par_contre"),
    concessions: set("bien_que quoique meme_si"),
    repetitions: set("encore encore_une encore_un"),
    negationsAfter: new Set(),
    interjections: set("oh ah ouais"),
  },
  es: {
    entries: graded({
      3: "excelente* perfect* genial* fantastic* estupend* maravillos* increible* encanta encanto cinco_estrellas impecable*",
      2: "bien bueno buen buena buenos buenas amable* satisfech* contento* contenta recomiendo recomend* eficaz* profesional* simpatic* agradable* gracias muchas_gracias claro clara intuitiv* rapid* facil* sin_problemas encantad*",
      1: "correct* justo antes puntual*",
      "-1": "esperando demasiado_altos no_puedo imposible lent* caro cara caros retraso* complicad* espera tardo",
      "-2": "mal malo mala decepcion* decepcionad* danad* roto rota rompio problema* falta faltaba grosera* grosero* inutil* rayad* inaceptable* error* cobraron_dos_veces colgo se_cierra se_bloquea dejo_de_funcionar eternidad",
      "-3": "pesim* horrible* desastre* terrible* fatal* peor lamentable* nunca_mas estafa* verguenza",
    }),
    negations: set("no nunca nada ningun ninguna ninguno nadie sin ni jamas tampoco"),
    intensifiers: intensity(
      "muy super realmente totalmente demasiado extremadamente increiblemente tan absolutamente mas sumamente",
      "poco algo bastante ligeramente",
    ),
    contrasts: set("pero sin_embargo aunque mas_bien sino"),
    concessions: set("si_bien"),
    repetitions: set("otra otro otra_vez de_nuevo"),
    negationsAfter: new Set(),
    interjections: set("oh ah vaya"),
  },
  pt: {
    entries: graded({
      3: "excelente* perfeit* otim* fantastic* maravilhos* incrivel adorei adoro cinco_estrelas impecave*",
      2: "bom boa bons boas bem simpatic* satisfeit* content* recomendo recomend* eficiente* profissiona* atencios* agradave* obrigad* muito_obrigado clar* intuitiv* rapid* facil* sem_problemas",
      1: "correto justo antes",
      "-1": "esperando altos_demais nao_consigo lent* caro cara caros atras* complicad* demorou espera",
      "-2": "mal ruim decepcion* danificad* quebrou quebrad* problema* faltava falta grosseir* inutil* riscad* inaceitave* erro* cobrado_duas_vezes desligou trava travou parou_de_funcionar eternidade nada_a_ver",
      "-3": "pessim* horrive* desastre* terrive* pior lamentave* nunca_mais vergonha*",
    }),
    negations: set("nao nunca nada nenhum nenhuma ninguem sem nem jamais"),
    intensifiers: intensity(
      "muito super realmente totalmente demais extremamente incrivelmente tao absolutamente bem mais",
      "pouco meio ligeiramente",
    ),
    contrasts: set("mas porem contudo entretanto todavia"),
    concessions: set("embora apesar"),
    repetitions: set("mais_uma mais_um outra outro de_novo"),
    negationsAfter: new Set(),
    interjections: set("oh ah nossa"),
  },
  it: {
    entries: graded({
      3: "eccellente* perfett* ottim* fantastic* splendid* meraviglios* adoro incredibil* cinque_stelle impeccabil*",
      2: "bene buon buono buona buoni gentil* soddisfatt* content* consiglio consiglia* efficient* professional* cordial* piacevol* grazie grazie_mille chiar* intuitiv* veloc* facil* senza_problemi bello bella bravi",
      1: "corrett* giusto anticipo puntual*",
      "-1": "troppo_alti non_riesco lent* caro cara cari ritardo* complicat* rallent* attesa",
      "-2": "male brutto brutta delus* deludent* danneggiat* rott* problem* mancava manca scortes* inutil* graffiat* inaccettabil* errore* addebitato_due_volte chiuso_il_telefono si_blocca smesso_di_funzionare eternita",
      "-3": "pessim* orribil* disastro* terribil* peggior* vergogn* mai_piu schifo*",
    }),
    negations: set("non mai niente nessun nessuno nessuna senza ne nulla affatto"),
    intensifiers: intensity(
      "molto super davvero veramente troppo estremamente incredibilmente cosi assolutamente proprio",
      "poco abbastanza leggermente piuttosto",
    ),
    contrasts: set("ma pero tuttavia invece"),
    concessions: set("anche_se sebbene nonostante"),
    repetitions: set("un_altro un_altra ancora di_nuovo"),
    negationsAfter: new Set(),
    interjections: set("oh ah"),
  },
  nl: {
    entries: graded({
      3: "uitstekend* perfect* geweldig* fantastisch* prachtig* super top topper vijf_sterren aanrader dol_op",
      2: "goed goede fijn* vriendelijk* tevreden* blij deskundig* behulpzaam* mooi mooie prettig* bedankt dank hartelijk_dank duidelijk* overzichtelijk* intuitief* snel snelle makkelijk* eenvoudig* zonder_problemen aardig* aan_te_raden",
      1: "eerlijk* op_tijd",
      "-1": "wacht te_hoog kan_niet niet_terug traag* trager duur dure laat complex* ingewikkeld* wachten",
      "-2": "slecht* teleurgesteld* teleurstel* beschadigd* kapot* gebroken* probleem* problemen ontbrak ontbreekt onbeleefd* nutteloos* bekrast* onacceptabel* fout* crasht crashte hing_op twee_keer_geld eeuwen",
      "-3": "waardeloos* vreselijk* ramp* verschrikkelijk* slechtste nooit_meer schandalig* belachelijk*",
    }),
    negations: set("niet geen nooit niets niemand zonder noch nergens"),
    intensifiers: intensity(
      "heel erg zeer echt super ontzettend enorm totaal veel te zo absoluut helemaal bijzonder",
      "wat beetje iets nauwelijks redelijk",
    ),
    contrasts: set("maar echter toch"),
    concessions: set("hoewel ofschoon alhoewel"),
    repetitions: set("weer alweer opnieuw nog_een"),
    negationsAfter: set("niet"),
    interjections: set("oh ah ja"),
  },
};

const built = new Map<Language, LanguageRules>();

/** The rules for a language, built on first use (English adds VADER's 7,500 entries). */
export function rulesFor(language: Language): LanguageRules {
  const cached = built.get(language);
  if (cached) return cached;
  const { entries, ...rules } = RULES[language];
  const base: [string, number][] = language === "en" ? Object.entries(vaderLexicon) : [];
  const result = { ...rules, valence: new Map([...base, ...entries]) };
  built.set(language, result);
  return result;
}
