// GET /api/policies and GET /api/policies/{city}: every parameter with value, status, source and
// effective date (on ?date=, default today in China), the policy versions and the categories.
import { HttpResponse, type HttpRequest, type InvocationContext } from '@azure/functions';
import { defaultBook, parameterTable, versionsOf, categoriesOf, resolveCity, todayInChina, parseDate, YibaoError } from '../../engine';
import { oneScenario, CONTENT_TYPE } from '../http';
import { guarded, HttpProblem } from '../problem';

function cityJson(cityId: string, date: string, request: HttpRequest) {
  const book = defaultBook();
  const city = resolveCity(book, cityId);
  const scenario = oneScenario(request, book);
  return {
    id: city.id,
    zh: city.zh,
    en: city.en,
    date,
    scenario: scenario?.name ?? null,
    versions: versionsOf(city.id, book),
    categories: categoriesOf(city.id, book),
    parameters: parameterTable(city.id, date, scenario, book),
  };
}

function dateOf(request: HttpRequest): string {
  const d = request.query.get('date');
  return d === null ? todayInChina() : parseDate(d);
}

export async function policies(request: HttpRequest, _context: InvocationContext): Promise<HttpResponse> {
  const book = defaultBook();
  const date = dateOf(request);
  const wanted = request.params.city;
  if (wanted !== undefined && wanted !== '') {
    let body;
    try {
      body = cityJson(wanted, date, request);
    } catch (e) {
      if (e instanceof YibaoError && e.code === 'city') throw new HttpProblem(404, e.zh, e.en, 'city');
      throw e;
    }
    return new HttpResponse({ status: 200, headers: { 'content-type': CONTENT_TYPE.json }, jsonBody: body });
  }
  const cities = [...book.cities.keys()].map((id) => cityJson(id, date, request));
  return new HttpResponse({ status: 200, headers: { 'content-type': CONTENT_TYPE.json }, jsonBody: { date, cities } });
}

export const policiesHandler = guarded(policies);
