/**
 * The column labels of the fill-in templates, in Russian and English: one
 * per record field, as the header of a template shows it (`template.ts`).
 * A translation table: what a column holds, in the operator's words.
 */
export const FIELD_LABELS: Readonly<Record<string, { readonly ru: string; readonly en: string }>> = {
  eventId: { ru: 'Код события', en: 'Event id' },
  participant: { ru: 'Участник (код)', en: 'Participant (reference)' },
  type: { ru: 'Тип события', en: 'Event type' },
  date: { ru: 'Дата', en: 'Date' },
  source: { ru: 'Источник', en: 'Source' },
  documentSha256: { ru: 'SHA-256 документа', en: 'Document SHA-256' },
  cohort: { ru: 'Когорта', en: 'Cohort' },
  category: { ru: 'Категория', en: 'Category' },
  sex: { ru: 'Пол', en: 'Sex' },
  birthYear: { ru: 'Год рождения', en: 'Birth year' },
  consentSha256: { ru: 'SHA-256 согласия', en: 'Consent SHA-256' },
  status: { ru: 'Социальный статус', en: 'Social status' },
  institution: { ru: 'Учреждение', en: 'Institution' },
  serviceType: { ru: 'Вид услуги', en: 'Service type' },
  provider: { ru: 'Исполнитель услуги', en: 'Provider' },
  employerId: { ru: 'Работодатель (код)', en: 'Employer id' },
  contractType: { ru: 'Вид трудового договора', en: 'Contract type' },
  monthlyWage: { ru: 'Зарплата в месяц (копейки)', en: 'Monthly wage (minor units)' },
  reason: { ru: 'Причина', en: 'Reason' },
  note: { ru: 'Примечание', en: 'Note' },
  month: { ru: 'Месяц (ГГГГ-ММ)', en: 'Month (YYYY-MM)' },
  offenceDate: { ru: 'Дата преступления', en: 'Offence date' },
  to: { ru: 'По (дата)', en: 'To (date)' },
  supersedes: { ru: 'Исправляет событие', en: 'Supersedes event' },
};
