/**
 * Name data for generated directories. Real directories are multilingual: diacritics, non-Latin
 * and right-to-left scripts, apostrophes and spaces in surnames. Each name carries the ASCII form
 * an administrator would use in the user principal name.
 */

/** [as written, as used in a sign-in name] */
export type NamePair = readonly [string, string];

export interface Culture {
    key: string;
    /** preferredLanguage (BCP 47). */
    language: string;
    given: readonly NamePair[];
    surnames: readonly NamePair[];
    /** East Asian and Vietnamese display names put the surname first. */
    surnameFirst: boolean;
    /** Separator between the parts of the display name ('' for Chinese). */
    separator: string;
    /** E.164 country code and a fictional local number pattern. */
    phone: { country: string; pattern: string };
    offices: readonly string[];
}

export const CULTURES: readonly Culture[] = [
    {
        key: 'en-US',
        language: 'en-US',
        given: [
            ['Adele', 'adele'],
            ['James', 'james'],
            ['Megan', 'megan'],
            ['Nestor', 'nestor'],
            ['Patti', 'patti'],
            ['Isaiah', 'isaiah'],
            ['Lynne', 'lynne'],
            ['Grady', 'grady'],
        ],
        surnames: [
            ['Vance', 'vance'],
            ['Bowen', 'bowen'],
            ['Wilke', 'wilke'],
            ['Fernandez', 'fernandez'],
            ['Langer', 'langer'],
            ['Robbins', 'robbins'],
            ['Archie', 'archie'],
        ],
        surnameFirst: false,
        separator: ' ',
        phone: { country: '+1', pattern: '425 555 01##' },
        offices: ['18/2111', '20/1101', 'Redmond B4', 'Seattle Pioneer Square'],
    },
    {
        key: 'ga-IE',
        language: 'en-IE',
        given: [
            ['Siobhán', 'siobhan'],
            ['Seán', 'sean'],
            ['Aoife', 'aoife'],
            ['Pádraig', 'padraig'],
        ],
        surnames: [
            ["O'Brien", 'obrien'],
            ["O'Connor", 'oconnor'],
            ['Ó Súilleabháin', 'osuilleabhain'],
            ['Mac Giolla Phádraig', 'macgiollaphadraig'],
        ],
        surnameFirst: false,
        separator: ' ',
        phone: { country: '+353', pattern: '1 555 0###' },
        offices: ['Dublin Docklands', 'Cork'],
    },
    {
        key: 'pl-PL',
        language: 'pl-PL',
        given: [
            ['Łukasz', 'lukasz'],
            ['Małgorzata', 'malgorzata'],
            ['Zofia', 'zofia'],
            ['Paweł', 'pawel'],
        ],
        surnames: [
            ['Wójcik', 'wojcik'],
            ['Szczęsny', 'szczesny'],
            ['Kowalska', 'kowalska'],
            ['Żółkiewski', 'zolkiewski'],
        ],
        surnameFirst: false,
        separator: ' ',
        phone: { country: '+48', pattern: '22 555 0###' },
        offices: ['Warszawa Mokotów', 'Kraków'],
    },
    {
        key: 'da-DK',
        language: 'da-DK',
        given: [
            ['Søren', 'soren'],
            ['Mette', 'mette'],
            ['Æbbe', 'aebbe'],
            ['Jørgen', 'jorgen'],
        ],
        surnames: [
            ['Jørgensen', 'jorgensen'],
            ['Sørensen', 'sorensen'],
            ['Kjærgaard', 'kjaergaard'],
            ['Møller', 'moller'],
        ],
        surnameFirst: false,
        separator: ' ',
        phone: { country: '+45', pattern: '32 55 0###' },
        offices: ['København Ø', 'Aarhus'],
    },
    {
        key: 'es-ES',
        language: 'es-ES',
        given: [
            ['José', 'jose'],
            ['María', 'maria'],
            ['Begoña', 'begona'],
            ['Íñigo', 'inigo'],
        ],
        surnames: [
            ['García Peña', 'garciapena'],
            ['Núñez', 'nunez'],
            ['Muñoz', 'munoz'],
            ['Sánchez', 'sanchez'],
        ],
        surnameFirst: false,
        separator: ' ',
        phone: { country: '+34', pattern: '91 555 0###' },
        offices: ['Madrid Castellana', 'Barcelona 22@'],
    },
    {
        key: 'de-DE',
        language: 'de-DE',
        given: [
            ['Zoë', 'zoe'],
            ['Jürgen', 'juergen'],
            ['Lena', 'lena'],
            ['Björn', 'bjoern'],
        ],
        surnames: [
            ['Müller', 'mueller'],
            ['Groß', 'gross'],
            ['Schäfer', 'schaefer'],
            ['von Bülow', 'vonbuelow'],
        ],
        surnameFirst: false,
        separator: ' ',
        phone: { country: '+49', pattern: '30 5550 ###' },
        offices: ['Berlin Mitte', 'München', 'Zürich'],
    },
    {
        key: 'zh-CN',
        language: 'zh-CN',
        given: [
            ['芳', 'fang'],
            ['伟', 'wei'],
            ['静', 'jing'],
            ['磊', 'lei'],
        ],
        surnames: [
            ['王', 'wang'],
            ['李', 'li'],
            ['张', 'zhang'],
            ['刘', 'liu'],
        ],
        surnameFirst: true,
        separator: '',
        phone: { country: '+86', pattern: '10 5550 ####' },
        offices: ['北京 朝阳', '上海 浦东'],
    },
    {
        key: 'vi-VN',
        language: 'vi-VN',
        given: [
            ['Thảo', 'thao'],
            ['Minh Anh', 'minhanh'],
            ['Quốc Bảo', 'quocbao'],
        ],
        surnames: [
            ['Nguyễn', 'nguyen'],
            ['Trần', 'tran'],
            ['Phạm', 'pham'],
        ],
        surnameFirst: true,
        separator: ' ',
        phone: { country: '+84', pattern: '28 5550 ####' },
        offices: ['Hồ Chí Minh', 'Hà Nội'],
    },
    {
        key: 'ar-SA',
        language: 'ar-SA',
        given: [
            ['محمد', 'mohammed'],
            ['فاطمة', 'fatima'],
            ['عبد الله', 'abdullah'],
        ],
        surnames: [
            ['العتيبي', 'alotaibi'],
            ['الحربي', 'alharbi'],
            ['القحطاني', 'alqahtani'],
        ],
        surnameFirst: false,
        separator: ' ',
        phone: { country: '+966', pattern: '11 555 0###' },
        offices: ['الرياض', 'جدة'],
    },
    {
        key: 'he-IL',
        language: 'he-IL',
        given: [
            ['נועה', 'noa'],
            ['דוד', 'david'],
            ['יעל', 'yael'],
        ],
        surnames: [
            ['כהן', 'cohen'],
            ['לוי', 'levi'],
            ['מזרחי', 'mizrahi'],
        ],
        surnameFirst: false,
        separator: ' ',
        phone: { country: '+972', pattern: '3 555 0###' },
        offices: ['תל אביב', 'חיפה'],
    },
    {
        key: 'ja-JP',
        language: 'ja-JP',
        given: [
            ['陽翔', 'haruto'],
            ['さくら', 'sakura'],
            ['蓮', 'ren'],
        ],
        surnames: [
            ['佐藤', 'sato'],
            ['鈴木', 'suzuki'],
            ['高橋', 'takahashi'],
        ],
        surnameFirst: true,
        separator: ' ',
        phone: { country: '+81', pattern: '3 5550 ####' },
        offices: ['東京 港区', '大阪'],
    },
    {
        key: 'fr-SN',
        language: 'fr-FR',
        given: [
            ['Aminata', 'aminata'],
            ['Chloé', 'chloe'],
            ['François', 'francois'],
            ['Hélène', 'helene'],
        ],
        surnames: [
            ["N'Diaye", 'ndiaye'],
            ['Lefèvre', 'lefevre'],
            ["D'Arcy", 'darcy'],
            ['Léger', 'leger'],
        ],
        surnameFirst: false,
        separator: ' ',
        phone: { country: '+33', pattern: '1 55 50 ## ##' },
        offices: ['Paris La Défense', 'Dakar'],
    },
    {
        key: 'tr-TR',
        language: 'tr-TR',
        given: [
            ['İbrahim', 'ibrahim'],
            ['Çağla', 'cagla'],
            ['Şule', 'sule'],
        ],
        surnames: [
            ['Yılmaz', 'yilmaz'],
            ['Öztürk', 'ozturk'],
            ['Güneş', 'gunes'],
        ],
        surnameFirst: false,
        separator: ' ',
        phone: { country: '+90', pattern: '212 555 0###' },
        offices: ['İstanbul Levent'],
    },
    {
        key: 'el-GR',
        language: 'el-GR',
        given: [
            ['Αθηνά', 'athina'],
            ['Γιώργος', 'giorgos'],
        ],
        surnames: [
            ['Παπαδοπούλου', 'papadopoulou'],
            ['Οικονόμου', 'oikonomou'],
        ],
        surnameFirst: false,
        separator: ' ',
        phone: { country: '+30', pattern: '21 0555 ####' },
        offices: ['Αθήνα'],
    },
    {
        key: 'pt-BR',
        language: 'pt-BR',
        given: [
            ['João', 'joao'],
            ['Conceição', 'conceicao'],
            ['Luíza', 'luiza'],
        ],
        surnames: [
            ['Gonçalves', 'goncalves'],
            ['Araújo', 'araujo'],
            ['da Silva', 'dasilva'],
        ],
        surnameFirst: false,
        separator: ' ',
        phone: { country: '+55', pattern: '11 5555 0###' },
        offices: ['São Paulo Paulista', 'Rio de Janeiro'],
    },
];

export const DEPARTMENTS = [
    'Engineering',
    'Sales',
    'Marketing',
    'Finance',
    'Human Resources',
    'Legal',
    'Operations',
    'Customer Success',
    'Research & Development',
    'IT',
] as const;

export const JOB_TITLES = [
    'Software Engineer',
    'Senior Software Engineer',
    'Product Manager',
    'Account Executive',
    'Marketing Specialist',
    'Financial Analyst',
    'HR Business Partner',
    'Paralegal',
    'Operations Coordinator',
    'Customer Success Manager',
    'Data Scientist',
    'Director of Sales',
    'Chief Financial Officer',
    'Support Engineer II',
] as const;

/** Display names of shared and resource accounts: no given name or surname, often no job title. */
export const RESOURCE_ACCOUNTS = [
    'Conference Room – Oslo 3F',
    'Shared Mailbox: Support',
    'Scanner (Floor 2)',
    'Payroll Service Account',
] as const;

export const EMOJI = ['🚀', '🌈', '🎧', '☕', '🦄', '🌍'] as const;

export const GUEST_DOMAINS = ['gmail.com', 'outlook.com', 'adatum.com', 'wingtiptoys.com', 'proseware.io'] as const;
