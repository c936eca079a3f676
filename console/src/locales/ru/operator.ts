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
  [
    /^duplicate eventId: it is already in the ledger$/,
    () =>
      'повтор eventId: такая запись уже есть в журнале (этот пакет или его часть уже приняты — см. «История пакетов»)',
  ],
  [
    /^the (?:file|sheet) has no records: an empty batch is rejected$/,
    () => 'в файле нет записей: пустой пакет не принимается',
  ],
  [
    /^participant is already enrolled \(by (record|row) (\S+) of this batch\)$/,
    (unit, n) => `участник уже зачислен (${unit === 'record' ? 'записью' : 'строкой'} ${n} этого пакета)`,
  ],
  [
    /^no employment-started for this participant and employer in the ledger or earlier in this batch$/,
    () => 'нет записи о начале работы у этого работодателя ни в журнале, ни выше в этом пакете',
  ],
  [
    /^employment ends before it started \(employment-started on (.*)\)$/,
    (d) => `работа заканчивается раньше, чем началась (начало ${d})`,
  ],
  [
    /^supersedes an eventId that is neither in the ledger nor earlier in this batch$/,
    () => 'исправляет запись (eventId), которой нет ни в журнале, ни выше в этом пакете',
  ],
  [/^is not a service type of this contract \((.*)\)$/, (c) => `нет такого вида услуг в договоре (${c})`],
  [/^must not be after the conviction \(the record date\)$/, () => 'не может быть позже осуждения (даты записи)'],
  [
    /^must not be before the record date \(the first day in custody\)$/,
    () => 'не может быть раньше даты записи (первого дня под стражей)',
  ],
  [/^a record must be a JSON object$/, () => 'запись должна быть объектом JSON'],
  [
    /^custody spell (\S+)\.\.(\S+) overlaps the custody spell (\S+)\.\.(\S+) \((.*)\): its days would count twice$/,
    (a, b, c, d, w) =>
      `срок под стражей ${a}..${b} пересекается со сроком ${c}..${d} (${w}): дни посчитались бы дважды`,
  ],
  [
    /^gives an age outside (\S+) to (\S+) years at the record's date \(working age\)$/,
    (a, b) => `возраст на дату записи вне рабочего (от ${a} до ${b} лет)`,
  ],
  [
    /^must not be after the month of the record date \(confirm a month once it is worked\)$/,
    () => 'не может быть позже месяца даты записи (занятость подтверждается за отработанный месяц)',
  ],
  [/^forbidden key "(.*)": not allowed anywhere in a record$/, (k) => `запрещённый ключ «${k}»: недопустим в записи`],
  [
    /^release on (\S+) is before the enrolment on (\S+) of a participant enrolled while serving a sentence \((.*)\)$/,
    (r, e, w) => `освобождение ${r} раньше зачисления ${e} участника, зачисленного во время отбывания наказания (${w})`,
  ],
  [
    /^(\S+) on (\S+) is dated after the participant's withdrawal for death on (\S+) \((.*)\)$/,
    (type, d, w, where) =>
      `запись «${type}» от ${d} датирована после выбытия участника в связи со смертью ${w} (${where})`,
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
      'Выберите файл или перетащите его сюда. CSV — в UTF-8 или Windows-1251, большой CSV передаётся через загрузку в хранилище; XLSX — первый лист, если не указан другой (не больше 1 МиБ); JSON — не больше 6 000 000 байт.',
    notChosen: 'Файл не выбран.',
    chosen: (name: string, bytes: string) => `Выбран файл ${name} (${bytes} байт).`,
    unsupported: (name: string) =>
      `Файл ${name} не подходит: передайте пакет в формате JSON (.json), CSV (.csv) или XLSX (.xlsx).`,
    tooLargeJson: (name: string, limit: string) =>
      `Файл ${name} больше ${limit} байт: пакет JSON такого размера не принимается. Разделите его на несколько пакетов или сохраните как CSV — большой CSV передаётся через загрузку в хранилище.`,
    tooLargeXlsx: (name: string, limit: string) =>
      `Книга ${name} больше ${limit} байт: книга XLSX читается целиком, поэтому большая не принимается. Сохраните лист как «CSV UTF-8» и передайте CSV — он передаётся через загрузку в хранилище.`,
    tooLargeCsv: (name: string, limit: string) =>
      `Файл ${name} больше ${limit} байт: разделите его на несколько пакетов.`,
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
    annotatedXlsx: 'Скачать книгу с ошибками (XLSX)',
    annotatingXlsx: 'Готовим книгу…',
    annotatedList: 'Скачать список ошибок (CSV)',
    annotatedHint:
      'CSV: исходный файл с первым столбцом problems, где перечислены ошибки каждой строки. XLSX: исходная книга, где на листе пакета добавлен первый столбец problems. JSON: CSV со списком ошибок.',
    annotateFailed: 'Не удалось прочитать книгу, чтобы отметить в ней ошибки: скачайте список ошибок (CSV).',
    annotatedName: 'с-ошибками',
    fixAndResend: 'Исправьте файл и выберите его снова: до повторной передачи ничего не записано.',
    failed: 'Пакет не передан.',
    upload: {
      note: (size: string, limit: string) =>
        `Файл большой (${size} байт, больше ${limit}): он будет передан через загрузку в хранилище, с ходом загрузки, а затем проверен целиком.`,
      caption: (name: string) => `Загрузка файла ${name}`,
      progressLabel: 'Передано в хранилище',
      progressText: (share: string, sent: string, total: string) => `${share} — ${sent} из ${total} байт`,
      presigning: 'Получаем адрес для загрузки…',
      sending: 'Файл передаётся в хранилище…',
      checking: 'Файл загружен; пакет проверяется. Это может занять несколько минут.',
      done: 'Файл загружен и проверен.',
      cancel: 'Отменить загрузку',
      cancelled: 'Загрузка отменена: файл не передан, ничего не записано.',
      putFailed: (status: number, code: string | undefined) =>
        status === 0
          ? 'хранилище недоступно или отказало в доступе с этой страницы (сеть, CORS). Попробуйте ещё раз.'
          : `хранилище отказало (HTTP ${status}${code === undefined ? '' : `, ${code}`}). Попробуйте ещё раз: адрес для загрузки действует 15 минут.`,
    },
    template: {
      caption: 'Шаблон для заполнения',
      hint: 'Шаблон договора: заголовки столбцов на русском и английском, списки допустимых значений из договора и пример строки.',
      xlsx: 'Скачать шаблон (XLSX)',
      csv: 'Скачать шаблон (CSV)',
      failed: 'Шаблон не скачан.',
    },
  },
};
