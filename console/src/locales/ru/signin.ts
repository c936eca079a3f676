/** Texts of the sign-in pages: the development sign-in, Cognito's hosted UI and its callback. */
export const signin = {
  title: 'Вход',
  devTitle: 'Вход для разработки',
  devNotice:
    'Это вход только для локальной разработки и демонстрации: он выдаёт временный токен без пароля. Рабочая установка такой вход отклоняет.',
  subject: 'Пользователь',
  subjectHint: 'Выберите из списка или введите идентификатор',
  role: 'Роль',
  contracts: 'Договоры',
  allContracts: 'Все договоры, в том числе будущие',
  noContracts: 'Выберите хотя бы один договор.',
  noSubject: 'Укажите пользователя.',
  submit: 'Войти',
  signingIn: 'Выполняется вход…',
  unavailable: 'Вход для разработки недоступен на этом сервере.',
  cognitoTitle: 'Вход в реестр',
  cognitoText: 'Вход выполняется через страницу входа вашей организации.',
  cognitoButton: 'Войти через единую учётную запись',
  callbackTitle: 'Завершение входа',
  callbackWorking: 'Проверяем ответ страницы входа…',
  callbackFailed: 'Войти не удалось.',
  noPending: 'В этой вкладке вход не начинался или уже завершён. Начните вход заново.',
  refused: (code: string) => `Страница входа отказала (${code}).`,
  tryAgain: 'Попробовать снова',
  sessionEnded: 'Сеанс завершён. Войдите снова, чтобы продолжить.',
};
export type SigninMessages = typeof signin;
