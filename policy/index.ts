// The embedded policy library: every data file the engine ships, listed once so that bundlers
// (the Excel add-in, the Functions app) carry the same packs as the command line.
// To add a jurisdiction or a new dated version: add its JSON files and list them here.
import categories from './categories.json';
import contribution from './contribution.json';
import floors from './floors.json';
import labels from './labels.json';
import luanCity from './luan/city.json';
import luan20220101 from './luan/2022-01-01.json';
import linyiCity from './linyi/city.json';
import linyi20220101 from './linyi/2022-01-01.json';
import linyi20220401 from './linyi/2022-04-01.json';
import xixiuCity from './xixiu/city.json';
import xixiu20210803 from './xixiu/2021-08-03.json';

export const library = {
  categories: { file: 'policy/categories.json', data: categories as unknown },
  contribution: { file: 'policy/contribution.json', data: contribution as unknown },
  floors: { file: 'policy/floors.json', data: floors as unknown },
  /** Chinese labels of the parameters, by name (read by parameterTable when asked for labels). */
  labels: { file: 'policy/labels.json', data: labels as unknown },
  cities: [
    { file: 'policy/luan/city.json', data: luanCity as unknown },
    { file: 'policy/linyi/city.json', data: linyiCity as unknown },
    { file: 'policy/xixiu/city.json', data: xixiuCity as unknown },
  ],
  packs: [
    { file: 'policy/luan/2022-01-01.json', data: luan20220101 as unknown },
    { file: 'policy/linyi/2022-01-01.json', data: linyi20220101 as unknown },
    { file: 'policy/linyi/2022-04-01.json', data: linyi20220401 as unknown },
    { file: 'policy/xixiu/2021-08-03.json', data: xixiu20210803 as unknown },
  ],
};

export type LibraryFile = { file: string; data: unknown };
export type Library = typeof library;
