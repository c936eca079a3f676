/** Texts every page shares: the frame, navigation, roles, states, errors. */
export const common = {
  product: 'Реестр ПСВ',
  productLong: 'Реестр проектов социального воздействия',
  skipToContent: 'Перейти к содержанию',
  language: 'Язык',
  switchTo: 'English',
  switchToLabel: 'Switch to English',
  signOut: 'Выйти',
  signedInAs: (subject: string, role: string) => `${subject} · ${role}`,
  loading: 'Загрузка…',
  retry: 'Повторить',
  notFound: 'Страница не найдена',
  back: 'Назад',
  nav: {
    contracts: 'Договоры',
    queue: 'Ожидают моего решения',
    key: 'Ключ подписи',
    reports: 'Отчёты',
    verify: 'Проверка отчёта',
    submit: 'Передать данные',
    payments: 'Выплаты',
  },
  roles: {
    operator: 'Оператор',
    ministry: 'Министерство',
    investor: 'Инвестор',
    evaluator: 'Независимый оценщик',
  } as Record<string, string>,
  paymentStates: {
    calculated: 'Рассчитан',
    attested: 'Подтверждён оценщиком',
    approved: 'Одобрен',
    rejected: 'Отклонён',
    paid: 'Выплачен',
  } as Record<string, string>,
  export: {
    xlsx: 'Скачать XLSX',
    csv: 'Скачать CSV',
  },
  session: {
    expiresSoon: (minutes: number) =>
      `Сеанс истекает через ${minutes} мин. Завершите действие и войдите снова, чтобы не потерять работу.`,
    expired: 'Сеанс истёк. Войдите снова.',
    signInAgain: 'Войти снова',
  },
  copy: 'Копировать',
  copied: 'Скопировано',
  dash: '—',
  timeZone: (zone: string, offset: string) => `${zone} (${offset})`,
  errors: {
    network: 'Сервер не отвечает. Проверьте подключение и повторите.',
    unauthorized: 'Сеанс истёк. Войдите снова.',
    forbidden: 'У вас нет доступа к этому действию.',
    generic: (status: number) => `Ошибка сервера (${status}).`,
  },
};
export type CommonMessages = typeof common;
