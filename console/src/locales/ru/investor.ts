/** Texts of the investor pages: reports, verification in the browser, payments, and the log watch. */

/** The Russian plural of a count: 1 запись, 3 записи, 5 записей. */
const plural = (n: number, one: string, few: string, many: string) => {
  const r = new Intl.PluralRules('ru').select(n);
  return r === 'one' ? one : r === 'few' ? few : many;
};

/** A count and its text in the locale's grouping, for texts that agree with the number. */
export interface Counted {
  readonly n: number;
  readonly text: string;
}

export const investor = {
  contractLoadFailed: 'Не удалось загрузить данные договора.',
  noContracts: 'Вашей учётной записи не доступен ни один договор.',
  period: (id: string, range: string) => (range === '' ? id : `${id} (${range})`),
  reports: {
    title: 'Отчёты об оценке',
    intro:
      'Подписанные отчёты по каждому договору. Текущий отчёт — последний выпущенный по действующему расчёту периода; более ранние им заменены и хранятся для истории.',
    none: 'По этому договору отчётов пока нет.',
    caption: (contract: string) => `Отчёты по договору «${contract}»`,
    columns: {
      period: 'Период',
      amount: 'Сумма выплаты',
      status: 'Статус выплаты в отчёте',
      issued: 'Выпущен',
      report: 'Отчёт',
      download: 'Скачать',
    },
    current: 'Текущий',
    superseded: 'Заменён',
    logSize: (n: number, s: string) => `журнал: ${s} ${plural(n, 'запись', 'записи', 'записей')}`,
    noDate: 'дата не указана',
    pdfRu: 'PDF (рус.)',
    pdfEn: 'PDF (англ.)',
    json: 'JSON',
    downloadLabel: (what: string, period: string) => `Скачать ${what}, отчёт за период ${period}`,
    preparing: 'Готовим ссылку…',
    downloadFailed: (why: string) => `Не удалось скачать: ${why}`,
    verifyHint: 'Чтобы убедиться, что отчёт подлинный, скачайте его JSON и откройте страницу',
    verifyLink: '«Проверка отчёта»',
  },
  verify: {
    title: 'Проверка отчёта в браузере',
    intro:
      'Проверка выполняется на этом компьютере тем же кодом, что и команда «sib report verify». Файлы никуда не отправляются: страница только читает их.',
    reportLabel: 'Файл отчёта (JSON)',
    reportHint: 'Перетащите файл сюда или нажмите, чтобы выбрать его.',
    policyLabel: 'Политика доверия (JSON)',
    policyHint:
      'Файл с ключами журнала, свидетелей и сторон, который вы получили и сверили заранее (например, при подписании договора).',
    chosen: (name: string, size: string) => `Выбран: ${name} (${size} байт)`,
    notChosen: 'Файл не выбран',
    savedPolicy: 'Используется политика доверия, сохранённая в этом браузере.',
    forgetPolicy: 'Забыть сохранённую политику',
    rememberPolicy: 'Запомнить эту политику в браузере (по ней проверяется журнал при каждом входе)',
    policyInvalid: 'Файл не является политикой доверия:',
    fetchPolicy: 'Загрузить политику, опубликованную сервером',
    fetchPolicyFor: 'Договор',
    fetchedPolicy: (contract: string) => `Политика, опубликованная сервером для договора «${contract}»`,
    fetchWarning:
      'Внимание: политику доверия следует брать из ваших собственных документов, а не с сервера, который она проверяет. Сверьте отпечатки ключей ниже с теми, что вы получили по независимому каналу.',
    useFetched: 'Использовать эту политику для проверки',
    fingerprints: 'Отпечатки ключей (SHA-256)',
    keyOf: 'Чей ключ',
    logKey: 'Ключ журнала',
    witness: 'Свидетель',
    quorum: (q: number, n: number) => `Кворум свидетелей: ${q} из ${n}`,
    roles: {
      analyst: 'Аналитик',
      evaluator: 'Оценщик',
      ministry: 'Министерство',
      treasury: 'Казначейство',
    } as Record<string, string>,
    signInForPolicy: 'Войдите, чтобы загрузить опубликованную политику.',
    run: 'Проверить отчёт',
    running: 'Проверяем…',
    needBoth: 'Выберите файл отчёта и политику доверия.',
    resultOk: 'Отчёт подлинный: все проверки пройдены.',
    resultBad: (n: number) =>
      `Отчёт НЕ прошёл проверку: ${n} ${n === 1 ? 'проверка не пройдена' : n < 5 ? 'проверки не пройдены' : 'проверок не пройдено'}. Не полагайтесь на его цифры.`,
    failedList: 'Не пройдены:',
    of: (contract: string, period: string) => `Договор ${contract}, период ${period}`,
    took: (ms: string) => `Проверка заняла ${ms} мс`,
    checkedWith: (report: string, policy: string) => `Проверен файл ${report}; политика доверия: ${policy}.`,
    policySaved: 'сохранённая в этом браузере',
    policyServer: (contract: string) => `опубликованная сервером для договора «${contract}»`,
    checksCaption: 'Результаты проверок',
    checkColumn: 'Проверка',
    resultColumn: 'Результат',
    detailColumn: 'Подробности (как их сообщает проверка)',
    passed: 'пройдена',
    failed: 'НЕ пройдена',
    warnings: 'Предупреждения',
    readFailed: (name: string, why: string) => `Не удалось прочитать файл ${name}: ${why}`,
    checkNames: {
      format: 'Формат документа',
      'canonical form': 'Каноническая форма JSON',
      verifier: 'Работа проверки',
      keys: 'Ключи проверки',
      'report signature': 'Подпись отчёта',
      'checkpoint signature': 'Подпись контрольной точки журнала',
      'checkpoint witnesses': 'Свидетели контрольной точки',
      'trust policy': 'Соответствие политике доверия',
      'contract hash': 'Хеш условий договора',
      'proof: registration': 'Доказательство: регистрация договора в журнале',
      'proof: evaluation': 'Доказательство: запись расчёта в журнале',
      'proof: attested step': 'Доказательство: подтверждение оценщика в журнале',
      'proof: approved step': 'Доказательство: одобрение министерства в журнале',
      'proof: rejected step': 'Доказательство: отклонение министерства в журнале',
      'proof: paid step': 'Доказательство: запись о выплате в журнале',
      'evaluation entry': 'Запись расчёта',
      'public summary': 'Публичная сводка',
      period: 'Период',
      workflow: 'Порядок шагов выплаты',
      'separation of duties': 'Разделение обязанностей',
      'party signatures': 'Подписи сторон',
      'aggregates only': 'Только агрегированные данные',
      'earlier payments': 'Выплаты прошлых периодов',
      metrics: 'Показатели',
      indicators: 'Индикаторы',
      comparisons: 'Сравнения',
      triggers: 'Условия выплат',
      'payment lines': 'Строки выплаты',
      total: 'Итоговая сумма',
      caps: 'Лимиты',
      allocation: 'Распределение между инвесторами',
    } as Record<string, string>,
  },
  payments: {
    title: 'Выплаты инвесторам',
    intro:
      'Что причитается инвесторам и что уже выплачено, по периодам. Доля каждого инвестора рассчитана точно по долям из условий договора, тем же способом, что и в отчётах.',
    caption: (contract: string) => `Выплаты по договору «${contract}»`,
    none: 'По этому договору выплат пока нет.',
    columns: {
      period: 'Период',
      investor: 'Инвестор',
      share: 'Доля',
      amount: 'Сумма',
      state: 'Состояние',
      order: 'Платёжное поручение',
      paidOn: 'Дата выплаты',
      decided: 'Решение',
    },
    states: {
      owed: 'Одобрено, к выплате',
      paid: 'Выплачено',
      rejected: 'Отклонено',
      pending: 'Ожидает решения',
    } as Record<string, string>,
    allInvestors:
      'Ваша учётная запись не сопоставлена ни с одним инвестором договора, поэтому показаны доли всех инвесторов.',
    yours: '(вы)',
    reason: (r: string) => `Причина: ${r}`,
    decided: { approved: (when: string) => `одобрено ${when}`, rejected: (when: string) => `отклонено ${when}` },
    totals: 'Итого',
    totalsCaption: (contract: string) => `Итоги по инвесторам, договор «${contract}»`,
    owedTotal: 'Одобрено, ещё не выплачено',
    paidTotal: 'Выплачено',
    exportName: (contract: string) => `выплаты-${contract}`,
    totalsExportName: (contract: string) => `итоги-выплат-${contract}`,
    noSpec: 'Не удалось прочитать доли инвесторов из условий договора.',
  },
  watch: {
    checking: 'Проверяем журнал…',
    verified: (contract: string, n: number, s: string) =>
      `Журнал договора ${contract} проверен: ${s} ${plural(n, 'запись', 'записи', 'записей')},`,
    unchecked: (contract: string) => `Журнал договора ${contract} сейчас не удалось проверить:`,
    rollbackTitle: 'Тревога: журнал откатился назад',
    rollback: (contract: string, seen: Counted, now: Counted) =>
      `Журнал договора ${contract} стал короче: записей в нём сейчас: ${now.text}, а при прошлой проверке в этом браузере было: ${seen.text}. Записи журнала не могут исчезать: кто-то восстановил старую копию журнала или подменил его.`,
    forkTitle: 'Тревога: журнал расходится с проверенным ранее',
    fork: (contract: string, seen: Counted, now: Counted) =>
      `Журнал договора ${contract} не продолжает журнал, проверенный ранее в этом браузере (записей тогда: ${seen.text}, сейчас: ${now.text}): прежние записи были изменены.`,
    unsignedTitle: 'Тревога: контрольная точка журнала не подписана ключом журнала',
    unsigned: (contract: string) =>
      `Сервер прислал контрольную точку журнала договора ${contract}, подпись которой не совпадает с ключом журнала из политики доверия.`,
    advice:
      'Не принимайте решений по отчётам этого договора и сообщите оператору и министерству. Сохранённая ранее контрольная точка остаётся в браузере.',
    logName: (origin: string) => `Журнал: ${origin}`,
    contract: (title: string, id: string) => `«${title}» (${id})`,
    forget: 'Журнал сбросили намеренно? Забыть проверенную ранее точку',
    forgetSure:
      'Делайте это, только если оператор письменно подтвердил, что журнал этого договора был сброшен намеренно. Иначе вы скроете подмену журнала.',
    forgetYes: 'Да, забыть и проверить заново',
    technical: 'Техническое сообщение',
    source: {
      saved: 'по вашей сохранённой политике доверия.',
      published: 'по опубликованной сервером политике доверия.',
    },
  },
};
export type InvestorMessages = typeof investor;
