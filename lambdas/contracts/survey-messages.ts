import type { Submission } from "./submission";

/** The questions a widget or a survey link asks. */
export type QuestionType = Extract<Submission["type"], "nps" | "csat" | "ces">;

export interface Messages {
  question: Record<QuestionType, string>;
  /** NPS's two ends, shown under the 0-10 row. */
  likely: [least: string, most: string];
  /** CSAT's five points, from the lowest. */
  satisfaction: [string, string, string, string, string];
  /** CES's seven points, from the lowest; a five-point scale uses the 1st, 2nd, 4th, 6th and 7th. */
  effort: [string, string, string, string, string, string, string];
  comment: string;
  optional: string;
  send: string;
  sending: string;
  thanks: string;
  /** The thank-you when the answer could not be sent yet and waits in the outbox. */
  queued: string;
  /** Before the API's own reason when it refused the answer. */
  refused: string;
}

export const MESSAGES = {
  en: {
    question: {
      nps: "How likely are you to recommend us to a friend or colleague?",
      csat: "How satisfied are you with your experience?",
      ces: "How easy was it to get what you needed?",
    },
    likely: ["Not at all likely", "Extremely likely"],
    satisfaction: ["Very dissatisfied", "Dissatisfied", "Neutral", "Satisfied", "Very satisfied"],
    effort: ["Very difficult", "Difficult", "Somewhat difficult", "Neutral", "Somewhat easy", "Easy", "Very easy"],
    comment: "Comment",
    optional: "Optional",
    send: "Send",
    sending: "Sending…",
    thanks: "Thank you for your feedback!",
    queued: "Thank you! We'll send your answer when you're back online.",
    refused: "Your answer could not be sent:",
  },
  de: {
    question: {
      nps: "Wie wahrscheinlich ist es, dass Sie uns einem Freund oder Kollegen empfehlen?",
      csat: "Wie zufrieden sind Sie mit Ihrer Erfahrung?",
      ces: "Wie einfach war es, Ihr Anliegen zu erledigen?",
    },
    likely: ["Überhaupt nicht wahrscheinlich", "Äußerst wahrscheinlich"],
    satisfaction: ["Sehr unzufrieden", "Unzufrieden", "Neutral", "Zufrieden", "Sehr zufrieden"],
    effort: ["Sehr schwierig", "Schwierig", "Eher schwierig", "Neutral", "Eher einfach", "Einfach", "Sehr einfach"],
    comment: "Kommentar",
    optional: "Optional",
    send: "Senden",
    sending: "Wird gesendet …",
    thanks: "Vielen Dank für Ihr Feedback!",
    queued: "Vielen Dank! Wir senden Ihre Antwort, sobald Sie wieder online sind.",
    refused: "Ihre Antwort konnte nicht gesendet werden:",
  },
  fr: {
    question: {
      nps: "Quelle est la probabilité que vous nous recommandiez à un ami ou à un collègue\u00a0?",
      csat: "Dans quelle mesure êtes-vous satisfait de votre expérience\u00a0?",
      ces: "Dans quelle mesure a-t-il été facile d’obtenir ce dont vous aviez besoin\u00a0?",
    },
    likely: ["Pas du tout probable", "Très probable"],
    satisfaction: ["Très insatisfait", "Insatisfait", "Neutre", "Satisfait", "Très satisfait"],
    effort: ["Très difficile", "Difficile", "Plutôt difficile", "Neutre", "Plutôt facile", "Facile", "Très facile"],
    comment: "Commentaire",
    optional: "Facultatif",
    send: "Envoyer",
    sending: "Envoi en cours…",
    thanks: "Merci pour votre avis\u00a0!",
    queued: "Merci\u00a0! Nous enverrons votre réponse dès que vous serez de nouveau en ligne.",
    refused: "Votre réponse n’a pas pu être envoyée\u00a0:",
  },
  es: {
    question: {
      nps: "¿Qué probabilidad hay de que nos recomiende a un amigo o colega?",
      csat: "¿Cuál es su grado de satisfacción con su experiencia?",
      ces: "¿Qué tan fácil le resultó obtener lo que necesitaba?",
    },
    likely: ["Nada probable", "Muy probable"],
    satisfaction: ["Muy insatisfecho", "Insatisfecho", "Neutral", "Satisfecho", "Muy satisfecho"],
    effort: ["Muy difícil", "Difícil", "Algo difícil", "Neutral", "Algo fácil", "Fácil", "Muy fácil"],
    comment: "Comentario",
    optional: "Opcional",
    send: "Enviar",
    sending: "Enviando…",
    thanks: "¡Gracias por su opinión!",
    queued: "¡Gracias! Enviaremos su respuesta cuando vuelva a estar en línea.",
    refused: "No se pudo enviar su respuesta:",
  },
  pt: {
    question: {
      nps: "Qual é a probabilidade de você nos recomendar a um amigo ou colega?",
      csat: "Qual é o seu grau de satisfação com a sua experiência?",
      ces: "Quão fácil foi conseguir o que você precisava?",
    },
    likely: ["Nada provável", "Extremamente provável"],
    satisfaction: ["Muito insatisfeito", "Insatisfeito", "Neutro", "Satisfeito", "Muito satisfeito"],
    effort: ["Muito difícil", "Difícil", "Um pouco difícil", "Neutro", "Um pouco fácil", "Fácil", "Muito fácil"],
    comment: "Comentário",
    optional: "Opcional",
    send: "Enviar",
    sending: "Enviando…",
    thanks: "Obrigado pela sua opinião!",
    queued: "Obrigado! Enviaremos sua resposta quando você estiver online novamente.",
    refused: "Não foi possível enviar sua resposta:",
  },
  it: {
    question: {
      nps: "Con quale probabilità ci consiglieresti a un amico o a un collega?",
      csat: "Quanto sei soddisfatto della tua esperienza?",
      ces: "Quanto è stato facile ottenere ciò di cui avevi bisogno?",
    },
    likely: ["Per niente probabile", "Estremamente probabile"],
    satisfaction: ["Molto insoddisfatto", "Insoddisfatto", "Neutrale", "Soddisfatto", "Molto soddisfatto"],
    effort: [
      "Molto difficile",
      "Difficile",
      "Abbastanza difficile",
      "Neutrale",
      "Abbastanza facile",
      "Facile",
      "Molto facile",
    ],
    comment: "Commento",
    optional: "Facoltativo",
    send: "Invia",
    sending: "Invio in corso…",
    thanks: "Grazie per il tuo feedback!",
    queued: "Grazie! Invieremo la tua risposta appena sarai di nuovo online.",
    refused: "Impossibile inviare la risposta:",
  },
  nl: {
    question: {
      nps: "Hoe waarschijnlijk is het dat u ons aanbeveelt aan een vriend of collega?",
      csat: "Hoe tevreden bent u over uw ervaring?",
      ces: "Hoe gemakkelijk was het om te krijgen wat u nodig had?",
    },
    likely: ["Helemaal niet waarschijnlijk", "Zeer waarschijnlijk"],
    satisfaction: ["Zeer ontevreden", "Ontevreden", "Neutraal", "Tevreden", "Zeer tevreden"],
    effort: [
      "Zeer moeilijk",
      "Moeilijk",
      "Enigszins moeilijk",
      "Neutraal",
      "Enigszins gemakkelijk",
      "Gemakkelijk",
      "Zeer gemakkelijk",
    ],
    comment: "Opmerking",
    optional: "Optioneel",
    send: "Versturen",
    sending: "Bezig met versturen…",
    thanks: "Bedankt voor uw feedback!",
    queued: "Bedankt! We versturen uw antwoord zodra u weer online bent.",
    refused: "Uw antwoord kon niet worden verstuurd:",
  },
} satisfies Record<string, Messages>;

export type Language = keyof typeof MESSAGES;

/** The first of the asked-for languages (`de-AT` counts as `de`) the widget speaks, else English. */
export function languageFor(asked: readonly (string | undefined)[]): Language {
  for (const tag of asked) {
    const primary = tag?.split("-")[0]?.toLowerCase();
    if (primary && Object.hasOwn(MESSAGES, primary)) return primary as Language;
  }
  return "en";
}

/** Words for each point of a scale: all of them where the scale has a name for each, else only its two ends. */
export function pointLabels(messages: Messages, type: QuestionType, min: number, max: number): string[] {
  const count = max - min + 1;
  const named = type === "nps" ? messages.likely : type === "csat" ? messages.satisfaction : messages.effort;
  if (named.length === count) return named;
  if (type === "ces" && count === 5) return [0, 1, 3, 5, 6].map((index) => named[index] as string);
  return Array.from({ length: count }, (_, index) =>
    index === 0 ? named[0] : index === count - 1 ? (named.at(-1) as string) : "",
  );
}

/** What the hosted page of a survey link says besides the question (`GET /s/{token}`). */
export interface LinkPageMessages {
  title: string;
  /** After a one-click score, above the comment box. */
  recorded: string;
  yourScore: string;
  used: string;
  expired: string;
  forged: string;
  unavailable: string;
}

export const LINK_PAGE_MESSAGES = {
  en: {
    title: "Survey",
    recorded: "Thank you, we have your answer. Anything you would like to add?",
    yourScore: "Your answer:",
    used: "This survey link has already been used. Thank you for your answer!",
    expired: "This survey link has expired.",
    forged: "This survey link is not valid. Please check that you opened the whole link from the email.",
    unavailable: "We could not save your answer just now. Please try again in a moment.",
  },
  de: {
    title: "Umfrage",
    recorded: "Vielen Dank, wir haben Ihre Antwort. Möchten Sie noch etwas hinzufügen?",
    yourScore: "Ihre Antwort:",
    used: "Dieser Umfragelink wurde bereits verwendet. Vielen Dank für Ihre Antwort!",
    expired: "Dieser Umfragelink ist abgelaufen.",
    forged:
      "Dieser Umfragelink ist ungültig. Bitte prüfen Sie, ob Sie den vollständigen Link aus der E-Mail geöffnet haben.",
    unavailable: "Wir konnten Ihre Antwort gerade nicht speichern. Bitte versuchen Sie es gleich noch einmal.",
  },
  fr: {
    title: "Enquête",
    recorded: "Merci, nous avons bien reçu votre réponse. Souhaitez-vous ajouter quelque chose\u00a0?",
    yourScore: "Votre réponse\u00a0:",
    used: "Ce lien d’enquête a déjà été utilisé. Merci pour votre réponse\u00a0!",
    expired: "Ce lien d’enquête a expiré.",
    forged: "Ce lien d’enquête n’est pas valide. Vérifiez que vous avez ouvert le lien complet de l’e-mail.",
    unavailable: "Nous n’avons pas pu enregistrer votre réponse pour le moment. Veuillez réessayer dans un instant.",
  },
  es: {
    title: "Encuesta",
    recorded: "Gracias, hemos recibido su respuesta. ¿Desea añadir algo?",
    yourScore: "Su respuesta:",
    used: "Este enlace de encuesta ya se ha utilizado. ¡Gracias por su respuesta!",
    expired: "Este enlace de encuesta ha caducado.",
    forged: "Este enlace de encuesta no es válido. Compruebe que ha abierto el enlace completo del correo.",
    unavailable: "No hemos podido guardar su respuesta ahora mismo. Inténtelo de nuevo en un momento.",
  },
  pt: {
    title: "Inquérito",
    recorded: "Obrigado, recebemos a sua resposta. Gostaria de acrescentar algo?",
    yourScore: "A sua resposta:",
    used: "Este link de inquérito já foi utilizado. Obrigado pela sua resposta!",
    expired: "Este link de inquérito expirou.",
    forged: "Este link de inquérito não é válido. Verifique se abriu o link completo do e-mail.",
    unavailable: "Não foi possível guardar a sua resposta agora. Tente novamente dentro de momentos.",
  },
  it: {
    title: "Sondaggio",
    recorded: "Grazie, abbiamo ricevuto la sua risposta. Vuole aggiungere qualcosa?",
    yourScore: "La sua risposta:",
    used: "Questo link al sondaggio è già stato utilizzato. Grazie per la sua risposta!",
    expired: "Questo link al sondaggio è scaduto.",
    forged: "Questo link al sondaggio non è valido. Verifichi di aver aperto il link completo dall’e-mail.",
    unavailable: "Non è stato possibile salvare la sua risposta in questo momento. Riprovi tra poco.",
  },
  nl: {
    title: "Enquête",
    recorded: "Bedankt, we hebben uw antwoord ontvangen. Wilt u nog iets toevoegen?",
    yourScore: "Uw antwoord:",
    used: "Deze enquêtelink is al gebruikt. Bedankt voor uw antwoord!",
    expired: "Deze enquêtelink is verlopen.",
    forged: "Deze enquêtelink is niet geldig. Controleer of u de volledige link uit de e-mail hebt geopend.",
    unavailable: "We konden uw antwoord nu niet opslaan. Probeer het zo nog eens.",
  },
} satisfies Record<Language, LinkPageMessages>;
