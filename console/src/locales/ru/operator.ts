/** Texts of the operator's pages: submitting an evidence batch, its receipt or its problems. */

/**
 * The server's problem messages are English (the API's language); the most
 * frequent are said in Russian here, by pattern. Any other is shown as the
 * server gave it.
 */
const PROBLEM_RU: readonly [RegExp, (...m: string[]) => string][] = [
  [/^is required$/, () => 'обязательное поле не заполнено'],
  [/^missing required column$/, () => 'нет обязательного столбца'],
  [/^unknown column/, () => 'неизвестный столбец (столбцы — поля записи из docs/evidence.md)'],
  [/^unknown field$/, () => 'неизвестное поле'],
  [/^must be one of:? (.*)$/, (v) => `допустимые значения: ${v}`],
  [/^is in the future \(today is (.*)\)$/, (d) => `дата в будущем (сегодня ${d})`],
  [/^is before the contract term \(it starts on (.*)\)$/, (d) => `раньше срока договора (он начинается ${d})`],
  [/^is after the contract term \(it ends on (.*)\)$/, (d) => `позже срока договора (он заканчивается ${d})`],
  [/^must not be negative$/, () => 'не может быть отрицательным'],
  [
    /^participant is not enrolled/,
    () => 'участник не зачислен: нет записи о зачислении ни в журнале, ни выше в этом пакете',
  ],
  [/^participant is already enrolled \(in the ledger\)$/, () => 'участник уже зачислен (запись есть в журнале)'],
  [
    /^duplicate eventId: (\w+) (\S+) of this batch has it too$/,
    (unit, n) => `повтор eventId: он же в ${unit === 'record' ? 'записи' : 'строке'} ${n} этого пакета`,
  ],
  [/^is not a cohort of this contract \((.*)\)$/, (c) => `нет такой когорты в договоре (${c})`],
  [
    /^the row has (\d+) cells; the header has (\d+) columns/,
    (a, b) => `в строке ${a} ячеек, в заголовке ${b} столбцов`,
  ],
  [/^give the batch id as query parameter batchId or header Idempotency-Key$/, () => 'укажите идентификатор пакета'],
];

export const operator = {
  submit: {
    /** A server message in Russian where its pattern is known; otherwise as given. */
    problemMessage: (message: string): string => {
      for (const [pattern, say] of PROBLEM_RU) {
        const m = pattern.exec(message);
        if (m !== null) return say(...m.slice(1));
      }
      return message;
    },
    title: 'Передать данные',
    lead: 'Пакет записей о событиях принимается целиком или не принимается вовсе: при ошибках ничего не записывается, а все ошибки перечислены в таблице.',
    contract: 'Договор',
    noContracts: 'Вашей учётной записи не доступен ни один договор.',
    fileLabel: 'Файл пакета (JSON, CSV или XLSX)',
    fileHint:
      'Выберите файл или перетащите его сюда. CSV — в UTF-8 или Windows-1251; XLSX — первый лист, если не указан другой.',
    notChosen: 'Файл не выбран.',
    chosen: (name: string, bytes: string) => `Выбран файл ${name} (${bytes} байт).`,
    unsupported: (name: string) =>
      `Файл ${name} не подходит: передайте пакет в формате JSON (.json), CSV (.csv) или XLSX (.xlsx).`,
    tooLarge: (name: string, limit: string) =>
      `Файл ${name} больше ${limit} байт: такой пакет передаётся через загрузку в хранилище (sib operator upload).`,
    batchId: 'Идентификатор пакета',
    batchIdHint:
      'Латинские буквы, цифры и знаки . _ : / - , не более 64 символов, первый знак — буква или цифра. Повторная передача того же пакета под тем же идентификатором вернёт исходную квитанцию.',
    batchIdInvalid:
      'Идентификатор пакета: только латинские буквы, цифры и знаки . _ : / -, от 1 до 64 символов, первый знак — буква или цифра.',
    sheet: 'Лист книги (необязательно)',
    sheetHint: 'Пусто — первый лист.',
    send: 'Передать пакет',
    sending: 'Передаём пакет…',
    accepted: 'Пакет принят.',
    replayed: 'Этот пакет уже был принят: показана исходная квитанция.',
    receipt: {
      caption: 'Квитанция',
      batch: 'Пакет',
      seq: 'Запись в журнале (seq)',
      records: 'Записей в пакете',
      recordsRoot: 'Корень записей',
      entryHash: 'Хеш записи журнала',
      checkpoint: 'Подписанная контрольная точка',
    },
    refused: (shown: string, total: string) =>
      shown === total
        ? `Пакет отклонён, ничего не записано. Ошибок: ${total}.`
        : `Пакет отклонён, ничего не записано. Ошибок: ${total}; в таблице первые ${shown}.`,
    byField: 'Ошибок по полям',
    problems: {
      caption: 'Ошибки пакета',
      exportName: 'ошибки-пакета',
      at: 'Строка / запись',
      column: 'Столбец',
      field: 'Поле',
      message: 'Ошибка',
    },
    annotated: 'Скачать файл с ошибками (CSV)',
    annotatedHint:
      'CSV: исходный файл с первым столбцом problems, где перечислены ошибки каждой строки. JSON и XLSX: CSV со списком ошибок.',
    annotatedName: 'с-ошибками',
    fixAndResend: 'Исправьте файл и выберите его снова: до повторной передачи ничего не записано.',
    failed: 'Пакет не передан.',
  },
};
